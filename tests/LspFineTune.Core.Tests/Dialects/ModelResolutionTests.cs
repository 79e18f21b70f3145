using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// A model id the catalog lacks is read from the user's Hugging Face cache through each of the variables that place it
/// (HF_HUB_CACHE, HF_HOME, the home folder's ~/.cache), from refs/main's snapshot when there are several, or from a
/// plain folder; the model's origin says which. The environment is injected (BindingOptions.EnvironmentVariable), so no
/// test sets the process's own. A path that is not here is estimated by a folder name only with LFT0213, and an unknown
/// id gets one warning saying how to give the architecture.
/// </summary>
public sealed class ModelResolutionTests : IDisposable
{
    private const string Id = "acme/tiny-cached";

    private readonly string _root = Directory.CreateTempSubdirectory("lft-resolution-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the system.
        }
    }

    private static readonly string TinyConfig = File.ReadAllText(TestRepository.Example("models/tiny/config.json"));

    /// <summary>A snapshot laid out as huggingface_hub lays it out: models--ORG--NAME/snapshots/REV/config.json.</summary>
    private string Snapshot(string cache, string revision, string config, string repoId = Id)
    {
        var folder = Path.Combine(cache, "models--" + repoId.Replace("/", "--"), "snapshots", revision);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        return folder;
    }

    private ConfigAnalysis Analyze(string model, IReadOnlyDictionary<string, string> environment, string extra = "")
    {
        var folder = Path.Combine(_root, "work");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "config.yml");
        File.WriteAllText(path, $"base_model: {model}\nsequence_len: 256\nmicro_batch_size: 1\n{extra}");
        return ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), new AnalysisOptions
        {
            Binding = new BindingOptions
            {
                WorkspaceFolder = folder,
                Files = AuxiliaryFileCache.Shared,
                AccelerateDefaultConfig = null,
                EnvironmentVariable = name => environment.GetValueOrDefault(name),
            },
        });
    }

    private static void AssertReadFromCache(ConfigAnalysis analysis, string origin)
    {
        Assert.True(analysis.Estimate is not null, string.Join("\n", analysis.Diagnostics.Select(d => d.Message)));
        var model = analysis.Plan!.Model;
        Assert.Equal((Id, 4, 128), (model.Id, model.Architecture.NumHiddenLayers, model.Architecture.HiddenSize));
        Assert.Equal(ModelSourceKind.HuggingFaceCache, model.Origin!.Kind);
        Assert.Contains(origin, model.Origin.Describe());
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Code == DiagnosticCodes.UnknownModel);
    }

    [Fact]
    public void HF_HUB_CACHE_places_the_cache()
    {
        var cache = Path.Combine(_root, "hub-cache");
        Snapshot(cache, "abc123", TinyConfig);
        // HF_HUB_CACHE wins over HF_HOME, as in huggingface_hub's constants.py.
        AssertReadFromCache(Analyze(Id, new Dictionary<string, string> { ["HF_HUB_CACHE"] = cache, ["HF_HOME"] = Path.Combine(_root, "elsewhere") }), "HF_HUB_CACHE");
    }

    [Fact]
    public void HF_HOME_places_the_cache_in_its_hub_folder()
    {
        var home = Path.Combine(_root, "hf-home");
        Snapshot(Path.Combine(home, "hub"), "abc123", TinyConfig);
        AssertReadFromCache(Analyze(Id, new Dictionary<string, string> { ["HF_HOME"] = home }), "HF_HOME/hub");
    }

    [Fact]
    public void Without_either_the_cache_is_under_the_home_folder()
    {
        var user = Path.Combine(_root, "user");
        Snapshot(Path.Combine(user, ".cache", "huggingface", "hub"), "abc123", TinyConfig);
        AssertReadFromCache(Analyze(Id, new Dictionary<string, string> { ["HOME"] = user }), "~/.cache/huggingface/hub");
    }

    [Fact]
    public void The_snapshot_refs_main_names_wins_over_a_newer_one()
    {
        var cache = Path.Combine(_root, "hub-cache");
        var main = Snapshot(cache, "main-revision", TinyConfig);
        var other = Snapshot(cache, "newer-revision", TinyConfig.Replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 6", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(Path.Combine(main, "config.json"), DateTime.UtcNow.AddDays(-2));
        File.SetLastWriteTimeUtc(Path.Combine(other, "config.json"), DateTime.UtcNow);
        var environment = new Dictionary<string, string> { ["HF_HUB_CACHE"] = cache };
        // Without refs/main the newest snapshot is read.
        Assert.Equal(6, Analyze(Id, environment).Plan!.Model.Architecture.NumHiddenLayers);

        Directory.CreateDirectory(Path.Combine(cache, "models--acme--tiny-cached", "refs"));
        File.WriteAllText(Path.Combine(cache, "models--acme--tiny-cached", "refs", "main"), "main-revision");
        var analysis = Analyze(Id, environment);
        Assert.Equal(4, analysis.Plan!.Model.Architecture.NumHiddenLayers);
        Assert.Contains("refs/main", analysis.Plan.Model.Origin!.Describe());
    }

    [Fact]
    public void A_cached_pre_quantized_snapshot_keeps_its_stored_format()
    {
        var cache = Path.Combine(_root, "hub-cache");
        Snapshot(cache, "abc123", TinyConfig.Replace("\"model_type\": \"llama\",",
            "\"model_type\": \"llama\", \"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 64},", StringComparison.Ordinal));
        var analysis = Analyze(Id, new Dictionary<string, string> { ["HF_HUB_CACHE"] = cache }, "adapter: lora\n");
        var stored = analysis.Plan!.Model.Stored!;
        Assert.Equal("4-bit (GPTQ)", stored.Name);
        Assert.Equal(0.5 + 2.5 / 64, stored.BytesPerWeight, 6);
    }

    [Fact]
    public void A_plain_folder_is_read_from_its_config_json_and_said_so()
    {
        var folder = Path.Combine(_root, "work", "models", "tiny");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), TinyConfig);
        var analysis = Analyze("./models/tiny", new Dictionary<string, string>());
        Assert.NotNull(analysis.Estimate);
        Assert.Equal(ModelSourceKind.Folder, analysis.Plan!.Model.Origin!.Kind);
        Assert.Contains(Path.Combine(folder, "config.json"), analysis.Plan.Model.Origin.Describe());
    }

    [Fact]
    public void An_unknown_id_gets_one_warning_saying_how_to_give_its_architecture()
    {
        var analysis = Analyze("acme/not-cached-anywhere", new Dictionary<string, string>());
        Assert.Null(analysis.Estimate);
        var unknown = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.UnknownModel);
        Assert.Equal(DiagnosticSeverity.Warning, unknown.Severity);
        Assert.Contains("local folder with its config.json", unknown.Message);
        Assert.Contains("`hf download acme/not-cached-anywhere config.json`", unknown.Message);
        Assert.Contains("`base_model_config`", unknown.Message);
        Assert.DoesNotContain("Did you mean", unknown.Message);
    }

    [Fact]
    public void A_typo_is_offered_the_hub_id_of_its_family_as_the_fix()
    {
        var unknown = Assert.Single(Analyze("meta-llama/Lama-3.2-1B", new Dictionary<string, string>()).Diagnostics, d => d.Code == DiagnosticCodes.UnknownModel);
        Assert.Contains("Did you mean `meta-llama/Llama-3.2-1B`", unknown.Message);
        Assert.Equal("meta-llama/Llama-3.2-1B", unknown.Data["suggestion"]);
    }

    [Fact]
    public void A_path_that_is_not_here_is_estimated_by_its_folder_name_and_said_so()
    {
        var analysis = Analyze("saves/llama3.2-1b/full/sft", new Dictionary<string, string>());
        Assert.Equal("llama-3.2-1b", analysis.Plan!.Model.Id);
        Assert.Equal(ModelSourceKind.FolderName, analysis.Plan.Model.Origin!.Kind);
        var note = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.ModelResolvedByName);
        Assert.Equal(DiagnosticSeverity.Information, note.Severity);
        Assert.Contains("`llama3.2-1b`", note.Message);
        Assert.Contains("Point `base_model` at the folder", note.Message);
    }

    [Theory]
    [InlineData("models/Llama-2-7b", true)]
    [InlineData("NousResearch/Llama-2-7b-hf", false)]
    [InlineData("meta-llama/Llama-2-7b-hf", false)]
    public void An_org_name_id_found_by_its_name_alone_is_said_only_for_an_unknown_organisation(string id, bool said)
    {
        var analysis = Analyze(id, new Dictionary<string, string>());
        Assert.Equal("llama-2-7b", analysis.Plan!.Model.Id);
        Assert.Equal(said, analysis.Diagnostics.Any(d => d.Code == DiagnosticCodes.ModelResolvedByName));
    }

    [Fact]
    public void A_mirror_says_whose_it_is()
    {
        var origin = Analyze("NousResearch/Llama-2-7b-hf", new Dictionary<string, string>()).Plan!.Model.Origin!;
        Assert.Contains("NousResearch's ungated mirror", origin.Describe());
    }
}
