using LspFineTune.Core.Catalogs;

namespace LspFineTune.Server.Tests;

public class GpusCommandTests
{
    [Fact]
    public void Lft_gpus_lists_every_catalog_gpu_with_its_memory_and_capabilities()
    {
        var result = CliRunner.Run("gpus");

        Assert.Equal(0, result.Exit);
        var rows = result.StdoutLines.Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(GpuCatalog.Default.All.Select(gpu => gpu.Id), rows.Select(row => row[0]));
        var a800 = Assert.Single(result.StdoutLines, line => line.StartsWith("a800-80gb ", StringComparison.Ordinal));
        Assert.Contains(" 80 GB ", a800);
        Assert.Contains("A800 80GB SXM4", a800);
        var p40 = Assert.Single(result.StdoutLines, line => line.StartsWith("p40 ", StringComparison.Ordinal));
        Assert.Matches(@"\bno\s+no\s+P40$", p40);
    }
}
