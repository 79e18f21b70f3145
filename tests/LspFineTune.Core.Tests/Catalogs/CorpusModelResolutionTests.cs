using System.Globalization;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Dialects;
using Xunit.Abstractions;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>
/// The bar: at least 95% of the corpus configs that name a model resolve, weighted by how many configs name
/// each. <c>tests/corpus/models.csv</c> lists the models the upstream example configs name, with their use counts
/// (copied from the shared dialect data; see tests/corpus/README.md). Each is resolved the way the dialects resolve it,
/// with no local folder and no Hugging Face cache: <see cref="ModelResolver.ResolveByName"/> for a hub id or a path (the
/// catalog by the id, by its base model's name, and for a path that cannot exist here, such as LLaMA-Factory's
/// <c>saves/qwen3-4b/full/sft</c> or <c>/path/to/…</c>, by a folder name that names a catalog model, as the dialects do
/// with an LFT0213 information), and the catalog alias for a torchtune builder name (<c>torchtune-builder:llama2_7b</c>:
/// a recipe that downloads nothing). Paths count in the share like any other row: resolved only when a folder name
/// resolves them, since a user with that config gets an estimate only then.
/// </summary>
public sealed class CorpusModelResolutionTests(ITestOutputHelper output)
{
    /// <summary>
    /// The bar: at least 95% of the corpus configs that name a model resolve (95.5% when it was set).
    /// </summary>
    public const double MinimumResolvedShare = 0.95;

    private static readonly BindingOptions NoLocalFiles = new()
    {
        Files = WithoutHubCache.Instance,
        AccelerateDefaultConfig = null,
        EnvironmentVariable = _ => null,
    };

    public static IReadOnlyList<(string Model, int Configs)> Rows()
    {
        var lines = File.ReadAllLines(Path.Combine(TestRepository.Corpus(""), "models.csv"));
        Assert.Equal("model,configs,by_framework,lft_resolves_to,lft_suggestion_if_unresolved", lines[0]);
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(c => (c[0], int.Parse(c[1], CultureInfo.InvariantCulture)))];
    }

    public static bool Resolves(string model)
    {
        const string builder = "torchtune-builder:";
        if (model.StartsWith(builder, StringComparison.Ordinal))
            return ModelCatalog.Default.Resolve(model[builder.Length..]) is not null;
        return ModelResolver.ResolveByName(model, [], NoLocalFiles).Outcome is ModelResolver.NameOutcome.Known or ModelResolver.NameOutcome.ByFolderName;
    }

    [Fact]
    public void At_least_the_required_share_of_corpus_configs_name_a_model_that_resolves()
    {
        var rows = Rows();
        Assert.True(rows.Count > 200, $"only {rows.Count} models in models.csv");
        var unresolved = rows.Where(r => !Resolves(r.Model)).OrderByDescending(r => r.Configs).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
        var total = rows.Sum(r => r.Configs);
        var share = 1 - unresolved.Sum(r => r.Configs) / (double)total;
        var report = $"{share:P1} of {total} configs ({rows.Count - unresolved.Count} of {rows.Count} models) resolve; unresolved by weight:\n"
            + string.Join("\n", unresolved.Select(r => $"  {r.Configs,3}  {r.Model}"));
        output.WriteLine(report);
        Assert.True(share >= MinimumResolvedShare, report);
    }

    // The resolution paths the share relies on, on models the catalog holds today.
    [Theory]
    [InlineData("torchtune-builder:llama2_7b")]
    [InlineData("NousResearch/Llama-2-7b-hf")]
    [InlineData("TechxGenus/Meta-Llama-3-8B-Instruct-AWQ")]
    [InlineData("models/Llama-2-7b")]
    [InlineData("casperhansen/llama-3-70b-fp16")]
    public void Corpus_rows_of_known_models_resolve(string model)
    {
        Assert.True(Resolves(model));
    }

    [Theory]
    [InlineData("/path/to/DeepSeek-V3.1-source")]
    [InlineData("models/llama3-8b-pro")]
    public void A_path_whose_folders_name_no_catalog_model_does_not(string model)
    {
        Assert.False(Resolves(model));
    }
}
