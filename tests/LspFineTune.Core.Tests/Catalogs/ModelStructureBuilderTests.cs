using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

public sealed class ModelStructureBuilderTests
{
    private static ModelStructure Structure(string id) => ModelCatalog.Default.Find(id)!.Structure;

    private static IReadOnlyList<string> Names(ModelStructure s) => s.LayerLinears.Select(l => l.Name).ToList();

    [Fact]
    public void Llama_HasSevenBiasFreeLinears_AndRmsNorms()
    {
        ModelStructure s = Structure("llama-2-7b");
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], Names(s));
        Assert.All(s.LayerLinears, l => Assert.False(l.HasBias));
        Assert.Equal(2 * 4096, s.LayerNormParameters);
        Assert.True(s.GatedMlp);
        Assert.False(s.ParallelAttentionAndMlp);
        Assert.Equal(32000L * 4096, s.LmHeadParameters);
    }

    [Fact]
    public void Qwen2_BiasesQkvButNotOutput()
    {
        ModelStructure s = Structure("qwen2.5-7b");
        Assert.All(s.LayerLinears.Where(l => l.Name is "q_proj" or "k_proj" or "v_proj"), l => Assert.True(l.HasBias));
        Assert.False(s.LayerLinears.Single(l => l.Name == "o_proj").HasBias);
    }

    [Fact]
    public void Gemma_UsesHeadDimAndTiedHead()
    {
        ModelStructure s = Structure("gemma-7b");
        LinearModule q = s.LayerLinears.Single(l => l.Name == "q_proj");
        Assert.Equal((3072, 16 * 256), (q.InFeatures, q.OutFeatures));
        Assert.Equal(0, s.LmHeadParameters);
        Assert.Equal(4 * 2304, Structure("gemma-2-2b").LayerNormParameters);
    }

    [Fact]
    public void Phi2_IsParallel_WithBiasedLinearsAndHead()
    {
        ModelStructure s = Structure("phi-2");
        Assert.Equal(["q_proj", "k_proj", "v_proj", "dense", "fc1", "fc2"], Names(s));
        Assert.All(s.LayerLinears, l => Assert.True(l.HasBias));
        Assert.True(s.ParallelAttentionAndMlp);
        Assert.False(s.GatedMlp);
        Assert.Equal(51200L * 2560 + 51200, s.LmHeadParameters);
    }

    [Fact]
    public void Phi3_FusesQkvAndGateUp()
    {
        ModelStructure s = Structure("phi-3-mini");
        Assert.Equal(["qkv_proj", "o_proj", "gate_up_proj", "down_proj"], Names(s));
        Assert.Equal(3 * 3072, s.LayerLinears[0].OutFeatures);
        Assert.Equal(2 * 8192, s.LayerLinears[2].OutFeatures);
    }

    [Fact]
    public void Gpt2_NamesBothProjectionsUniquely_AndPeftSuffixMatchesBoth()
    {
        ModelStructure s = Structure("gpt2");
        Assert.Equal(["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"], Names(s));
        Assert.Equal(2, s.LayerLinears.Count(l => l.MatchesTarget("c_proj")));
        Assert.Single(s.LayerLinears, l => l.MatchesTarget("attn.c_proj"));
        Assert.Equal((768, 2304), (s.LayerLinears[0].InFeatures, s.LayerLinears[0].OutFeatures));
        Assert.Equal(50257L * 768 + 1024L * 768, s.EmbeddingParameters);
        Assert.Equal(0, s.LmHeadParameters);
    }

    [Fact]
    public void MatchesTarget_FollowsPeftSuffixRule()
    {
        LinearModule q = Structure("llama-2-7b").LayerLinears[0];
        Assert.True(q.MatchesTarget("q_proj"));
        Assert.True(q.MatchesTarget("self_attn.q_proj"));
        Assert.False(q.MatchesTarget("proj"));
        Assert.False(q.MatchesTarget("mlp.q_proj"));

        LinearModule w1 = Structure("mixtral-8x7b").LayerLinears.Single(l => l.Name == "w1");
        Assert.True(w1.MatchesTarget("w1"));
        Assert.True(w1.MatchesTarget("experts.3.w1"));
        Assert.False(w1.MatchesTarget("w2"));
    }

    [Fact]
    public void Falcon_FusedQkvWidthFollowsKvHeads_AndNormsFollowDecoderArchitecture()
    {
        ModelStructure f7 = Structure("falcon-7b");
        Assert.Equal((71 + 2) * 64, f7.LayerLinears[0].OutFeatures);
        Assert.Equal(2 * 4544, f7.LayerNormParameters);
        Assert.True(f7.ParallelAttentionAndMlp);

        ModelStructure f40 = Structure("falcon-40b");
        Assert.Equal((128 + 2 * 8) * 64, f40.LayerLinears[0].OutFeatures);
        Assert.Equal(2 * 2 * 8192, f40.LayerNormParameters);
        Assert.All(f40.LayerLinears, l => Assert.False(l.HasBias));
    }

    [Fact]
    public void Opt_PositionsHaveTwoExtraRows()
    {
        ModelStructure s = Structure("opt-125m");
        Assert.Equal(50272L * 768 + (2048L + 2) * 768, s.EmbeddingParameters);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"], Names(s));
    }

    [Fact]
    public void GptNeoX_HasUntiedEmbedOut_AndParallelResidual()
    {
        ModelStructure s = Structure("pythia-160m");
        Assert.Equal(["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"], Names(s));
        Assert.True(s.ParallelAttentionAndMlp);
        Assert.Equal(50304L * 768, s.LmHeadParameters);
    }

    [Fact]
    public void StableLm2_HasLayerNormsWithBias_AndQkvBias()
    {
        ModelStructure s = Structure("stablelm-2-1.6b");
        Assert.Equal(2 * 2 * 2048, s.LayerNormParameters);
        Assert.True(s.LayerLinears.Single(l => l.Name == "k_proj").HasBias);
        Assert.False(s.LayerLinears.Single(l => l.Name == "o_proj").HasBias);
    }

    [Fact]
    public void UnknownFamily_FallsBackToLlamaLayout()
    {
        var a = new ModelArchitecture
        {
            ModelType = "brand_new_lm",
            NumHiddenLayers = 2,
            HiddenSize = 64,
            IntermediateSize = 128,
            NumAttentionHeads = 4,
            VocabSize = 100,
        };
        Assert.False(ModelStructureBuilder.IsKnownFamily(a.ModelType));
        ModelStructure s = ModelStructureBuilder.Build(a);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], Names(s));
    }

    [Fact]
    public void Validate_ReportsBadShapes_AndBuildRefusesThem()
    {
        var a = new ModelArchitecture
        {
            ModelType = "llama",
            NumHiddenLayers = 2,
            HiddenSize = 100,
            IntermediateSize = 0,
            NumAttentionHeads = 3,
            NumKeyValueHeads = 2,
            VocabSize = 10,
        };
        IReadOnlyList<string> errors = ModelStructureBuilder.Validate(a);
        Assert.Contains(errors, e => e.Contains("intermediate_size", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("num_key_value_heads", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("head_dim", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => ModelStructureBuilder.Build(a));
    }
}
