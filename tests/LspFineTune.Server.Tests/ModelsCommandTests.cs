using LspFineTune.Core.Catalogs;

namespace LspFineTune.Server.Tests;

public sealed class ModelsCommandTests
{
    [Fact]
    public void Lft_models_lists_every_catalog_model_with_its_family_and_the_active_parameters_of_a_mixture_of_experts()
    {
        var result = CliRunner.Run("models");
        Assert.Equal(0, result.Exit);
        var rows = result.StdoutLines.Skip(1).Where(line => line.Length > 0 && !line.Contains(" models in ")).ToList();
        Assert.Equal(ModelCatalog.Default.All.Select(m => m.Id).Order(), rows.Select(row => row.Split(' ')[0]).Order());
        // Qwen3-30B-A3B: 128 experts, 8 active: about 30.5B in all, about 3.3B per token.
        var moe = rows.Single(row => row.StartsWith("qwen3-30b-a3b ", StringComparison.Ordinal));
        Assert.Contains(" qwen3", moe);
        Assert.Contains(" moe ", moe);
        Assert.Contains("Qwen/Qwen3-30B-A3B", moe);
        var numbers = moe.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(part => part.Contains(',')).Select(part => long.Parse(part.Replace(",", ""))).ToList();
        Assert.InRange(numbers[0], 30_000_000_000, 31_000_000_000);
        Assert.InRange(numbers[1], 3_000_000_000, 3_500_000_000);
        Assert.Contains(rows, row => row.StartsWith("gemma-3-4b ", StringComparison.Ordinal) && row.Contains("vlm"));
        Assert.Contains(rows, row => row.StartsWith("qwen3.5-27b ", StringComparison.Ordinal) && row.Contains("hybrid"));
    }
}
