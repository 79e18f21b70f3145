using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Dialects.Native;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>GPU names as users, nvidia-smi and cloud consoles write them resolve to the entry they mean, and only to it.</summary>
public class GpuNameTests
{
    private static readonly GpuCatalog Catalog = GpuCatalog.Default;

    [Theory]
    // The spellings issue 11 names.
    [InlineData("A800 80GB", "a800-80gb")]
    [InlineData("a800-80g", "a800-80gb")]
    [InlineData("3090 24G", "rtx-3090")]
    [InlineData("RTX3090", "rtx-3090")]
    [InlineData("H20 96GB", "h20")]
    [InlineData("4090", "rtx-4090")]
    [InlineData("rtx 4090 24gb", "rtx-4090")]
    [InlineData("A100-SXM4-80GB", "a100-80gb")]
    [InlineData("NVIDIA H100 80GB HBM3", "h100-sxm")]
    [InlineData("L40S-48GB", "l40s")]
    [InlineData("mi325x", "mi325x")]
    // No alias spells these: the product and the memory size pick the entry.
    [InlineData("A100 40GB", "a100-40gb")]
    [InlineData("a100_80g", "a100-80gb")]
    [InlineData("NVIDIA A800-SXM4-80GB", "a800-80gb")]
    [InlineData("a800 pcie 40gb", "a800-40gb-pcie")]
    [InlineData("V100 32GB", "v100-32gb")]
    [InlineData("GeForce RTX 3080 12GB", "rtx-3080-12gb")]
    [InlineData("rtx_3060_12g", "rtx-3060")]
    [InlineData("NVIDIA GeForce RTX 5090 32GB", "rtx-5090")]
    [InlineData("Tesla A100", "a100-80gb")]
    [InlineData("NVIDIA L20 48G", "l20")]
    [InlineData("AMD Instinct MI325X 256GB", "mi325x")]
    [InlineData("Tesla P40 24GB", "p40")]
    [InlineData("NVIDIA A40 48GB GDDR6", "a40")]
    public void Find_resolves_the_names_users_write(string name, string id)
    {
        Assert.Equal(id, Catalog.Find(name)?.Id);
    }

    [Theory]
    // Only one A800 has 40 GB, only one H100 has 94 GB: the size alone picks it.
    [InlineData("A800 40GB", "a800-40gb-pcie")]
    [InlineData("H100 94GB", "h100-nvl")]
    [InlineData("h200 nvl 141g", "h200-nvl")]
    public void A_memory_size_only_one_variant_has_picks_that_variant(string name, string id)
    {
        Assert.Equal(id, Catalog.Find(name)?.Id);
    }

    [Theory]
    [InlineData("A800 48GB")]
    [InlineData("3090 48G")]
    [InlineData("a100-120gb")]
    // The SXM5 names a form factor that has no 94 GB card: it is not quietly the H100 NVL.
    [InlineData("H100 SXM5 94GB")]
    public void A_memory_size_no_variant_has_finds_nothing(string name)
    {
        Assert.Null(Catalog.Find(name));
    }

    [Fact]
    public void A_wrong_memory_size_lists_every_variant_nearest_first()
    {
        var hint = Catalog.DidYouMean("A800 48GB");

        Assert.Contains("No A800 has 48 GB", hint);
        Assert.Contains("`a800-40gb-pcie` (A800 40GB PCIe, 40 GB)", hint);
        Assert.Contains("`a800-80gb-pcie` (A800 80GB PCIe, 80 GB)", hint);
        Assert.Contains("`a800-80gb` (A800 80GB SXM4, 80 GB)", hint);
        Assert.EndsWith("Did you mean `a800-40gb-pcie`?", hint);
        Assert.Equal("a800-40gb-pcie", Catalog.Suggest("A800 48GB")[0]);
    }

    [Fact]
    public void A_config_naming_a_wrong_memory_size_gets_the_variants_in_its_diagnostic()
    {
        const string yaml = "model:\n  name: gpt2\nhardware:\n  gpu: A800 48GB\n";
        var result = NativeDialect.Instance.Bind(DocumentContext.Of(yaml, ConfigParser.Parse(yaml), null), new BindingOptions());

        var unknown = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCodes.UnknownGpu);
        Assert.StartsWith("Unknown GPU `A800 48GB`. No A800 has 48 GB; the catalog has `a800-40gb-pcie`", unknown.Message);
        Assert.Equal("a800-40gb-pcie", unknown.Data["suggestion"]);
    }

    [Fact]
    public void A_typo_without_a_known_product_still_gets_the_nearest_id()
    {
        Assert.Equal(" Did you mean `a100-80gb`?", Catalog.DidYouMean("a100-80"));
        Assert.Equal("", Catalog.DidYouMean("definitely not a gpu"));
    }

    [Theory]
    [InlineData("NVIDIA A800-SXM4-80GB", "a800sxm4", "a800", 80)]
    [InlineData("NVIDIA GeForce RTX 4090", "4090", "4090", null)]
    [InlineData("RTX3090 24G", "3090", "3090", 24)]
    [InlineData("NVIDIA H100 80GB HBM3", "h100", "h100", 80)]
    [InlineData("V100 PCIe 16/32GB", "v100pcie", "v100", null)]
    [InlineData("AMD Instinct MI300X", "mi300x", "mi300x", null)]
    public void A_name_comes_apart_into_product_line_and_memory(string name, string product, string line, int? memory)
    {
        Assert.Equal(new GpuName(product, line, memory), GpuName.Parse(name));
    }
}
