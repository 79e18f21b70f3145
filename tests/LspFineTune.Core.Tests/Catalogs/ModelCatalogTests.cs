using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

public sealed class ModelCatalogTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    public static TheoryData<string> CatalogIds()
    {
        var data = new TheoryData<string>();
        foreach (CatalogModel model in ModelCatalog.Default.All)
        {
            data.Add(model.Id);
        }

        return data;
    }

    [Fact]
    public void Catalog_HasAtLeastThirtyModels_WithUniqueIds()
    {
        Assert.True(Catalog.All.Count >= 30, $"only {Catalog.All.Count} models");
        var duplicates = Catalog.All.GroupBy(m => m.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
        Assert.All(Catalog.All, m => Assert.Equal(m.Id.ToLowerInvariant(), m.Id));
    }

    // The bar: "Parameter counts are computed from the architecture and must match the published counts within 1%".
    [Theory]
    [MemberData(nameof(CatalogIds))]
    public void ComputedParameters_MatchPublishedCount_WithinOnePercent(string id)
    {
        CatalogModel model = Catalog.Find(id)!;
        long computed = model.Structure.TotalParameters;
        double relativeError = Math.Abs(computed - model.PublishedParameters) / (double)model.PublishedParameters;
        Assert.True(
            relativeError <= 0.01,
            $"{id}: computed {computed:N0}, published {model.PublishedParameters:N0} ({model.PublishedParametersSource}), relative error {relativeError:P4}");
    }

    public static TheoryData<string> MixtureOfExpertsIds()
    {
        var data = new TheoryData<string>();
        foreach (CatalogModel model in ModelCatalog.Default.All.Where(m => m.Architecture.IsMixtureOfExperts))
        {
            data.Add(model.Id);
        }

        return data;
    }

    // The bar: "and active parameters for mixture-of-experts models". A published active figure is rounded
    // or truncated ("2.4B"), so it holds to 1% or to that rounding, whichever is looser; what it counts
    // (embeddings or not) is the source's convention, recorded per model.
    [Theory]
    [MemberData(nameof(MixtureOfExpertsIds))]
    public void ComputedActiveParameters_MatchPublishedActiveCount(string id)
    {
        CatalogModel model = Catalog.Find(id)!;
        Assert.True(model.PublishedActiveParameters is > 0, $"{id} is a mixture of experts; its family file must give active_parameters with its source");
        ModelStructure structure = model.Structure;
        long computed = model.ActiveParametersBasis switch
        {
            "no_input_embedding" => structure.ActiveParameters - structure.EmbeddingParameters,
            "non_embedding" => structure.ActiveParameters - structure.EmbeddingParameters - structure.LmHeadParameters,
            _ => structure.ActiveParameters,
        };
        long published = model.PublishedActiveParameters!.Value;
        // Cards round ("12.9B") or truncate ("2.4B" for 2.45B): the true figure lies within half a unit below and a
        // whole unit above the last significant digit, or within 1%.
        double unit = PublishedRounding(published);
        double low = published - Math.Max(0.01 * published, unit / 2), high = published + Math.Max(0.01 * published, unit);
        Assert.True(computed >= low && computed < high,
            $"{id}: computed active {computed:N0} ({model.ActiveParametersBasis}), published {published:N0}, allowed [{low:N0}, {high:N0})");
    }

    /// <summary>The unit of the last significant digit of a published figure: 2,400,000,000 -> 100,000,000.</summary>
    private static double PublishedRounding(long published)
    {
        double unit = 1;
        while (published % 10 == 0 && published > 0)
        {
            published /= 10;
            unit *= 10;
        }

        return unit;
    }

    [Theory]
    [InlineData("llama-2-7b", 6_738_415_616L)]
    [InlineData("gpt2", 124_439_808L)]
    [InlineData("mistral-7b-v0.1", 7_241_732_096L)]
    [InlineData("mixtral-8x7b", 46_702_792_704L)]
    [InlineData("tinyllama-1.1b", 1_100_048_384L)]
    [InlineData("llama-3-8b", 8_030_261_248L)]
    [InlineData("qwen2.5-0.5b", 494_032_768L)]
    [InlineData("phi-2", 2_779_683_840L)]
    [InlineData("gemma-7b", 8_537_680_896L)]
    [InlineData("pythia-160m", 162_322_944L)]
    [InlineData("opt-125m", 125_239_296L)]
    [InlineData("falcon-7b", 6_921_720_704L)]
    public void ComputedParameters_EqualKnownExactCounts(string id, long expected)
    {
        Assert.Equal(expected, Catalog.Find(id)!.Structure.TotalParameters);
    }

    [Fact]
    public void Llama2_7b_QAndV_Are4096Square_SoRank8LoraOnQvIs4194304()
    {
        ModelStructure structure = Catalog.Find("llama-2-7b")!.Structure;
        LinearModule q = structure.LayerLinears.Single(l => l.Name == "q_proj");
        LinearModule v = structure.LayerLinears.Single(l => l.Name == "v_proj");
        Assert.Equal((4096, 4096), (q.InFeatures, q.OutFeatures));
        Assert.Equal((4096, 4096), (v.InFeatures, v.OutFeatures));

        // LoRA adds A (rank x in) and B (out x rank) per targeted module, per layer; PEFT prints 4,194,304.
        const int Rank = 8;
        long trainable = structure.Layers * new[] { q, v }.Sum(l => (long)Rank * (l.InFeatures + l.OutFeatures));
        Assert.Equal(4_194_304L, trainable);
    }

    [Fact]
    public void Llama3_8b_UsesGroupedQueryAttention()
    {
        ModelStructure structure = Catalog.Find("llama-3-8b")!.Structure;
        LinearModule k = structure.LayerLinears.Single(l => l.Name == "k_proj");
        Assert.Equal((4096, 1024), (k.InFeatures, k.OutFeatures));
        Assert.False(k.HasBias);
    }

    [Fact]
    public void Mixtral_ExpertsAreCopied_AndOnlyTwoAreActive()
    {
        ModelStructure structure = Catalog.Find("mixtral-8x7b")!.Structure;
        foreach (string name in new[] { "w1", "w2", "w3" })
        {
            LinearModule expert = structure.LayerLinears.Single(l => l.Name == name);
            Assert.Equal(8, expert.Copies);
            Assert.Equal(2, expert.ActiveCopies);
        }

        LinearModule router = structure.LayerLinears.Single(l => l.Role == LinearRole.Router);
        Assert.Equal(("gate", 4096, 8, false), (router.Name, router.InFeatures, router.OutFeatures, router.HasBias));
        Assert.InRange(structure.ActiveParameters, 12_800_000_000L, 13_000_000_000L);
    }

    [Theory]
    [InlineData("LLAMA-2-7B", "llama-2-7b")]
    [InlineData("meta-llama/Llama-2-7b-hf", "llama-2-7b")]
    [InlineData("META-LLAMA/LLAMA-2-7B-HF", "llama-2-7b")]
    [InlineData("Llama-2-7b-hf", "llama-2-7b")]
    [InlineData("llama2-7b", "llama-2-7b")]
    [InlineData("Meta-Llama-3-8B-Instruct", "llama-3-8b")]
    [InlineData("Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b")]
    [InlineData("gpt2", "gpt2")]
    [InlineData("openai-community/gpt2", "gpt2")]
    [InlineData("  tinyllama ", "tinyllama-1.1b")]
    public void Find_MatchesIdHfIdAndAliases_CaseInsensitively(string name, string expectedId)
    {
        Assert.Equal(expectedId, Catalog.Find(name)?.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bert-base-uncased")]
    [InlineData("llama-2-8b")]
    public void Find_ReturnsNull_ForUnknownNames(string name)
    {
        Assert.Null(Catalog.Find(name));
    }

    [Fact]
    public void Suggest_OffersTheNearestIds()
    {
        Assert.Contains("llama-2-7b", Catalog.Suggest("lama-2-7b"));
        Assert.Contains("mistral-7b-v0.1", Catalog.Suggest("mistrall-7b-v0.1"));
        Assert.True(Catalog.Suggest("lama-2-7b", max: 2).Count <= 2);
        Assert.Empty(Catalog.Suggest("completely-unrelated-name-xyz"));
    }

    [Fact]
    public void EveryCatalogModel_HasSourceAndHfId()
    {
        Assert.All(Catalog.All, m =>
        {
            Assert.Contains('/', m.HfId);
            Assert.False(string.IsNullOrWhiteSpace(m.PublishedParametersSource));
            Assert.True(ModelStructureBuilder.IsKnownFamily(m.Architecture.ModelType), m.Architecture.ModelType);
        });
    }
}
