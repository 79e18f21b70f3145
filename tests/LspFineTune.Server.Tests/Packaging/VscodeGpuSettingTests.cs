using System.Text.Json.Nodes;
using LspFineTune.Core.Catalogs;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>VS Code's settings UI offers lft.defaultGpu from package.json's enum, which is written by hand: it must be the catalog.</summary>
public class VscodeGpuSettingTests
{
    [Fact]
    public void The_default_gpu_setting_offers_every_catalog_gpu_with_its_name()
    {
        var setting = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "package.json")))!["contributes"]!["configuration"]!["properties"]!["lft.defaultGpu"]!;
        var ids = setting["enum"]!.AsArray().Select(id => (string)id!).ToList();
        var descriptions = setting["enumDescriptions"]!.AsArray().Select(d => (string)d!).ToList();

        Assert.Equal(GpuCatalog.Default.All.Select(gpu => gpu.Id), ids);
        Assert.Equal(ids.Count, descriptions.Count);
        Assert.All(GpuCatalog.Default.All.Where(gpu => !gpu.IsCpu).Zip(descriptions), pair =>
            Assert.StartsWith(pair.First.Name.Split(" (")[0], pair.Second));
    }
}
