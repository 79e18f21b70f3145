using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>
/// The Qwen families (qwen, qwen2 / qwen2.5, qwen2_moe, qwen3, qwen3_moe and the Qwen VL models): what a user sees when a
/// config names one of their hub ids — which entry it resolves to, the module names LoRA targets match, which experts a
/// token pays for, and that a vision tower is counted.
/// </summary>
public sealed class QwenFamilyTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    private static CatalogModel Resolve(string name) =>
        Catalog.Find(name) ?? throw new Xunit.Sdk.XunitException($"{name} does not resolve");

    [Theory]
    [InlineData("Qwen/Qwen3-4B-Instruct-2507", "qwen3-4b")]
    [InlineData("Qwen/Qwen3-4B-Thinking-2507", "qwen3-4b")]
    [InlineData("katanemo/Plano-Orchestrator-4B", "qwen3-4b")]
    [InlineData("Qwen/Qwen3-8B-Base", "qwen3-8b")]
    [InlineData("Qwen/Qwen3-30B-A3B-Instruct-2507", "qwen3-30b-a3b")]
    [InlineData("Qwen/Qwen3-235B-A22B-Instruct-2507", "qwen3-235b-a22b")]
    [InlineData("Qwen/Qwen2-1.5B-Instruct", "qwen2-1.5b")]
    [InlineData("Qwen/Qwen2.5-Coder-7B-Instruct", "qwen2.5-7b")]
    [InlineData("agentica-org/DeepCoder-14B-Preview", "qwen2.5-14b")]
    [InlineData("open-r1/Qwen2.5-Math-7B-RoPE-300k", "qwen2.5-math-7b")]
    [InlineData("Qwen/Qwen-7B", "qwen-7b")]
    [InlineData("Qwen/Qwen1.5-MoE-A2.7B", "qwen1.5-moe-a2.7b")]
    [InlineData("Qwen/Qwen3-VL-4B-Instruct", "qwen3-vl-4b")]
    public void HubIdsOfVariantsWithTheSameShapes_ResolveToOneEntry(string hubId, string expected) =>
        Assert.Equal(expected, Resolve(hubId).Id);

    // DeepSeek untied the head of Qwen2.5-Math-1.5B: 1.78B, not the 1.54B of the tied Qwen2.5-1.5B it starts from.
    [Fact]
    public void R1DistillQwen15B_IsItsOwnEntry_WithAnUntiedHead()
    {
        CatalogModel distill = Resolve("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B");
        Assert.Equal("deepseek-r1-distill-qwen-1.5b", distill.Id);
        Assert.Equal(151936L * 1536, distill.Structure.LmHeadParameters);
        Assert.Equal(0, Resolve("qwen2.5-math-1.5b").Structure.LmHeadParameters);
    }

    // Qwen2.5-Math's 4K context is what makes an 8K fine-tune of it a problem worth a warning.
    [Fact]
    public void Qwen25Math_KeepsItsShortContext()
    {
        Assert.Equal(4096, Resolve("Qwen/Qwen2.5-Math-7B").Architecture.MaxPositionEmbeddings);
        Assert.Equal(4096, Resolve("Qwen/Qwen2.5-Math-1.5B").Architecture.MaxPositionEmbeddings);
    }

    // The original Qwen fuses q/k/v into c_attn and names its MLP w1/w2/c_proj: LLaMA-Factory's and axolotl's Qwen-7B
    // configs target c_attn, and "c_proj" selects both the attention and the MLP projection, as PEFT's suffix match does.
    [Fact]
    public void Qwen7B_HasTheRemoteCodeModuleNames()
    {
        ModelStructure structure = Resolve("Qwen/Qwen-7B").Structure;
        Assert.Equal(["c_attn", "attn.c_proj", "w1", "w2", "mlp.c_proj"], structure.LayerLinears.Select(l => l.Name));
        Assert.Equal(2, structure.LayerLinears.Count(l => l.MatchesTarget("c_proj")));
        Assert.Equal(11008, structure.LayerLinears.Single(l => l.Name == "w1").OutFeatures);
    }

    // Qwen3 drops Qwen2's q/k/v bias and adds q_norm/k_norm of head_dim: the same LoRA targets, no bias terms.
    [Fact]
    public void Qwen3_HasNoQkvBias_AndQkNorms()
    {
        ModelStructure qwen3 = Resolve("Qwen/Qwen3-8B").Structure;
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], qwen3.LayerLinears.Select(l => l.Name));
        Assert.All(qwen3.LayerLinears, l => Assert.False(l.HasBias));
        Assert.Equal(2 * 4096 + 2 * 128, qwen3.LayerNormParameters);
        Assert.True(Resolve("Qwen/Qwen2.5-7B").Structure.LayerLinears.Single(l => l.Name == "q_proj").HasBias);
    }

    // Qwen1.5-MoE pays for its always-on shared expert on every token, on top of 4 of 60 routed experts.
    [Fact]
    public void Qwen15Moe_SharedExpertIsAlwaysActive()
    {
        ModelStructure moe = Resolve("Qwen/Qwen1.5-MoE-A2.7B").Structure;
        LinearModule shared = moe.LayerLinears.Single(l => l.ModulePath == "mlp.shared_expert.gate_proj");
        Assert.Equal(shared.Parameters, shared.ActiveParameters);
        LinearModule routed = moe.LayerLinears.Single(l => l.ModulePath == "mlp.experts.{e}.gate_proj");
        Assert.Equal(60, routed.Copies);
        Assert.Equal(4, routed.ActiveCopies);
        Assert.Contains(moe.LayerLinears, l => l.Name == "shared_expert_gate" && l.OutFeatures == 1);
    }

    // Qwen3 MoE has 128 experts and no shared expert: a token touches about a ninth of the 30.5B.
    [Fact]
    public void Qwen3Moe_RoutesEightOf128Experts_WithNoSharedExpert()
    {
        ModelStructure moe = Resolve("Qwen/Qwen3-30B-A3B").Structure;
        Assert.DoesNotContain(moe.LayerLinears, l => l.ModulePath.Contains("shared_expert", StringComparison.Ordinal));
        LinearModule up = moe.LayerLinears.Single(l => l.ModulePath == "mlp.experts.{e}.up_proj");
        Assert.Equal((128, 8, 768), (up.Copies, up.ActiveCopies, up.OutFeatures));
        Assert.InRange(moe.ActiveParameters / (double)moe.TotalParameters, 0.09, 0.12);
    }

    // The vision tower is the published VLM total less the published text model it is built on (same shapes):
    // Qwen2-VL-7B over Qwen2-7B, Qwen2.5-VL-7B over Qwen2.5-7B, Qwen3-VL-8B over Qwen3-8B.
    [Theory]
    [InlineData("Qwen/Qwen2-VL-7B-Instruct", 8_291_375_616L, 7_615_616_512L)]
    [InlineData("Qwen/Qwen2.5-VL-7B-Instruct", 8_292_166_656L, 7_615_616_512L)]
    [InlineData("Qwen/Qwen3-VL-8B-Instruct", 8_767_123_696L, 8_190_735_360L)]
    public void VisionTower_IsCountedExactly(string hubId, long publishedTotal, long publishedText)
    {
        ModelStructure vlm = Resolve(hubId).Structure;
        Assert.Equal(publishedTotal - publishedText, vlm.VisionParameters);
        Assert.Equal(publishedText, vlm.TextParameters);
    }
}
