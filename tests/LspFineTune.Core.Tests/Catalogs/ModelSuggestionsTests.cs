using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>
/// Did-you-mean for model ids stays within the family: ten real typos of hub ids resolve (the hub and the catalog ignore
/// case) or are offered the model of their family and size, never a model of another family. A small catalog of the
/// real ids makes the cases independent of what the bundled data holds; the bundled catalog is checked too.
/// </summary>
public sealed class ModelSuggestionsTests
{
    private static readonly ModelArchitecture AnyArchitecture = ModelCatalog.Default.Find("llama-2-7b")!.Architecture;

    private static CatalogModel Entry(string id, string hfId, string family, params string[] aliases) =>
        new(id, hfId, aliases, AnyArchitecture, 1, "test") { Family = family };

    private static readonly ModelCatalog Catalog = ModelCatalog.Of(
    [
        Entry("qwen3-0.6b", "Qwen/Qwen3-0.6B", "qwen3"),
        Entry("qwen3-4b", "Qwen/Qwen3-4B", "qwen3"),
        Entry("qwen3-8b", "Qwen/Qwen3-8B", "qwen3", "Qwen/Qwen3-8B-Base"),
        Entry("qwen3-14b", "Qwen/Qwen3-14B", "qwen3"),
        Entry("qwen2.5-3b", "Qwen/Qwen2.5-3B", "qwen2.5", "Qwen/Qwen2.5-3B-Instruct"),
        Entry("qwen2.5-7b", "Qwen/Qwen2.5-7B", "qwen2.5", "Qwen/Qwen2.5-7B-Instruct"),
        Entry("llama-2-7b", "meta-llama/Llama-2-7b-hf", "llama-2"),
        Entry("llama-3.1-8b", "meta-llama/Llama-3.1-8B", "llama-3.1", "meta-llama/Llama-3.1-8B-Instruct"),
        Entry("llama-3.2-1b", "meta-llama/Llama-3.2-1B", "llama-3.2", "meta-llama/Llama-3.2-1B-Instruct"),
        Entry("llama-3.2-3b", "meta-llama/Llama-3.2-3B", "llama-3.2"),
        Entry("mistral-7b-v0.1", "mistralai/Mistral-7B-v0.1", "mistral"),
        Entry("mistral-7b-v0.3", "mistralai/Mistral-7B-v0.3", "mistral"),
        Entry("mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1", "mixtral"),
        Entry("gemma-7b", "google/gemma-7b", "gemma"),
        Entry("gemma-2-2b", "google/gemma-2-2b", "gemma-2", "gemma2-2b"),
        Entry("gemma-2-9b", "google/gemma-2-9b", "gemma-2", "gemma2-9b"),
        Entry("phi-2", "microsoft/phi-2", "phi"),
        Entry("phi-3-mini", "microsoft/Phi-3-mini-4k-instruct", "phi-3"),
        Entry("phi-4", "microsoft/phi-4", "phi-4"),
        Entry("tinyllama-1.1b", "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "tinyllama", "TinyLlama/TinyLlama-1.1B-Chat-v1.0"),
        Entry("deepseek-v2-lite", "deepseek-ai/DeepSeek-V2-Lite", "deepseek-v2"),
        Entry("deepseek-v3", "deepseek-ai/DeepSeek-V3", "deepseek-v3"),
    ]);

    /// <summary>The catalog id a user ends up with: the id's own entry when it resolves, else the first same-family suggestion.</summary>
    private static string? Outcome(ModelCatalog catalog, string id) =>
        catalog.Resolve(id)?.Model.Id ?? ModelSuggestions.For(catalog, id).FirstOrDefault(s => s.SameFamily)?.Model.Id;

    [Theory]
    [InlineData("meta-llama/Llama-3.1-8b-Instruct", "llama-3.1-8b")]
    [InlineData("Qwen/Qwen3-8b", "qwen3-8b")]
    [InlineData("Qwen/Qwen-3-8B", "qwen3-8b")]
    [InlineData("mistralai/Mistral-7B-v0.l", "mistral-7b-v0.1")]
    [InlineData("google/gemma2-9b", "gemma-2-9b")]
    [InlineData("microsoft/phi4", "phi-4")]
    [InlineData("meta-llama/Lama-3.2-1B", "llama-3.2-1b")]
    [InlineData("Qwen/Qwen2.5-7B-Instuct", "qwen2.5-7b")]
    [InlineData("TinyLlama/TinyLlama-1.1B-chat", "tinyllama-1.1b")]
    [InlineData("deepseek-ai/DeepSeek-V2-lite", "deepseek-v2-lite")]
    public void A_real_typo_ends_at_its_own_model(string typo, string expected)
    {
        Assert.Equal(expected, Outcome(Catalog, typo));
        var family = ModelNameParts.Parse(expected).Family;
        Assert.All(ModelSuggestions.For(Catalog, typo).Where(s => s.SameFamily), s => Assert.Equal(family, ModelNameParts.Parse(s.Model.Id).Family));
    }

    [Fact]
    public void A_missing_size_is_offered_the_familys_nearest_size_never_another_generation()
    {
        var without8b = ModelCatalog.Of([.. Catalog.All.Where(m => m.Id != "qwen3-8b")]);
        var suggestions = ModelSuggestions.For(without8b, "Qwen/Qwen3-8B");
        Assert.NotEmpty(suggestions);
        Assert.All(suggestions, s => Assert.StartsWith("qwen3-", s.Model.Id));
        // 14B is nearer 8B than 4B on a log scale (1.75x against 2x).
        Assert.Equal("qwen3-14b", suggestions[0].Model.Id);
    }

    [Fact]
    public void A_size_far_from_every_size_of_the_family_is_offered_none_of_them()
    {
        // The largest Qwen3 here is 14B: a 235B mixture of experts is no typo of it.
        Assert.Empty(Catalog.Suggest("Qwen/Qwen3-235B-A22B"));
        Assert.Equal("qwen3-14b", Catalog.Suggest("Qwen/Qwen3-32B").FirstOrDefault());
    }

    [Fact]
    public void A_family_the_catalog_lacks_is_offered_nothing_as_a_fix()
    {
        var withoutPhi4 = ModelCatalog.Of([.. Catalog.All.Where(m => m.Id != "phi-4")]);
        Assert.Empty(withoutPhi4.Suggest("microsoft/phi-4"));
        var withoutQwen3 = ModelCatalog.Of([.. Catalog.All.Where(m => !m.Id.StartsWith("qwen3", StringComparison.Ordinal))]);
        Assert.Empty(withoutQwen3.Suggest("Qwen/Qwen3-8B"));
        Assert.Empty(Catalog.Suggest("Qwen/Qwen3.5-9B"));
    }

    [Fact]
    public void Another_generation_is_only_mentioned_at_the_same_size_and_marked_as_such()
    {
        var withoutQwen3 = ModelCatalog.Of([.. Catalog.All.Where(m => !m.Id.StartsWith("qwen3", StringComparison.Ordinal))]);
        Assert.Equal([("qwen2.5-7b", false)], ModelSuggestions.For(withoutQwen3, "Qwen/Qwen3-7B").Select(s => (s.Model.Id, s.SameFamily)));
        Assert.Empty(ModelSuggestions.For(withoutQwen3, "Qwen/Qwen3-8B"));
    }

    [Theory]
    [InlineData("mistral-community/pixtral-12b")]
    [InlineData("mosaicml/mpt-7b")]
    [InlineData("mistralai/Magistral-Small-2506")]
    [InlineData("meta-llama/Llama-3.2-11B-Vision-Instruct")]
    [InlineData("completely-unrelated-name-xyz")]
    public void A_name_one_letter_from_another_family_is_no_typo_of_it(string id)
    {
        Assert.Empty(Catalog.Suggest(id));
    }

    // The two complaints, on the bundled catalog: whatever it holds, Qwen3-8B is never offered a Qwen2.5 and
    // phi-4 never phi-2.
    [Theory]
    [InlineData("Qwen/Qwen3-8B", "qwen3")]
    [InlineData("microsoft/phi-4", "phi4")]
    [InlineData("meta-llama/Lama-3.2-1B", "llama3.2")]
    [InlineData("mistralai/Mistral-7B-v0.l", "mistral")]
    public void The_bundled_catalog_stays_within_the_family(string id, string family)
    {
        if (ModelCatalog.Default.Resolve(id) is { } match)
            Assert.Equal(family, ModelNameParts.Parse(match.Model.Id).Family);
        Assert.All(ModelCatalog.Default.Suggest(id), s => Assert.Equal(family, ModelNameParts.Parse(s).Family));
    }
}
