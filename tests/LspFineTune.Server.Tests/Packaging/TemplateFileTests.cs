using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects;
using LspFineTune.Server.Hosting;
using NJsonSchema;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>
/// client-rider/ against the names LSP4IJ's template loader reads (LanguageServerTemplateManager,
/// ServerTemplateJsonDeserializer, ClientConfigurationSettings): a misspelt key is silently ignored there, so the
/// import would "work" and start nothing or map no file.
/// </summary>
public sealed class TemplateFileTests
{
    /// <summary>The keys LSP4IJ reads from template.json.</summary>
    private static readonly string[] TemplateKeys = ["id", "name", "url", "dev", "programArgs", "expandConfiguration", "fileTypeMappings", "languageMappings", "workingDir", "env", "disablePromotionFor"];

    /// <summary>The top-level fields of LSP4IJ's ClientConfigurationSettings (clientSettings.json).</summary>
    private static readonly string[] ClientSettingsKeys = ["caseSensitive", "lineCommentPrefix", "blockCommentPrefix", "blockCommentSuffix", "statementTerminatorCharacters", "completion", "editor", "format", "workspaceSymbol"];

    [Fact]
    public void Template_json_uses_LSP4IJ_field_names_and_starts_lft_lsp()
    {
        var template = Lsp4ijTemplate.Read("template.json");
        Assert.All(template, p => Assert.True(TemplateKeys.Contains(p.Key), $"template.json: LSP4IJ does not read `{p.Key}` (it reads {string.Join(", ", TemplateKeys)})"));
        Assert.Equal("LspFineTune", (string?)template["name"]);
        Assert.Matches("^[a-z0-9-]+$", (string?)template["id"]);

        var programArgs = Assert.IsType<JsonObject>(template["programArgs"]);
        Assert.All(programArgs, p => Assert.True(p.Key is "default" or "windows" or "mac" or "unix", $"programArgs.{p.Key}: LSP4IJ picks only windows, mac, unix or default"));
        foreach (var os in new[] { "default", "windows" })
        {
            var command = Lsp4ijTemplate.SplitCommandLine((string?)programArgs[os] ?? throw new Xunit.Sdk.XunitException($"programArgs.{os} is missing"));
            Assert.True(command.Take(2).SequenceEqual(["lft", "lsp"]), $"programArgs.{os} is `{programArgs[os]}`; it must start the dotnet tool: `lft lsp`");
        }
    }

    /// <summary>
    /// Every YAML and JSON file starts the server, which decides per document whether a dialect claims it (an
    /// axolotl YAML, a DeepSpeed JSON, a native *.lft.yaml) and answers nothing for the others.
    /// </summary>
    [Fact]
    public void File_name_patterns_map_every_yaml_and_json_file()
    {
        var mappings = Assert.IsType<JsonArray>(Lsp4ijTemplate.Read("template.json")["fileTypeMappings"]);
        var patterns = new List<string>();
        foreach (var mapping in mappings.Select(m => Assert.IsType<JsonObject>(m)))
        {
            // LSP4IJ drops a mapping without languageId; the language id is what didOpen reports.
            Assert.True(mapping["languageId"] is JsonValue id && ((string?)id) is "yaml" or "json", $"fileTypeMappings entry without languageId yaml/json: {mapping.ToJsonString()}");
            var fileType = Assert.IsType<JsonObject>(mapping["fileType"]);
            patterns.AddRange(Assert.IsType<JsonArray>(fileType["patterns"]).Select(p => (string)p!));
        }
        Assert.Equal(["*.json", "*.yaml", "*.yml"], patterns.Order(StringComparer.Ordinal));
        // Each pattern under the language id of its format (what didOpen reports).
        Assert.All(mappings.Select(m => m!.AsObject()), m => Assert.All(m["fileType"]!["patterns"]!.AsArray().Select(p => (string)p!),
            p => Assert.Equal(p.EndsWith(".json", StringComparison.Ordinal) ? "json" : "yaml", (string?)m["languageId"])));

        // IntelliJ wildcard file-name matching: `*` is any run of characters, the rest literal, whole name.
        bool Maps(string fileName) => patterns.Any(p => Regex.IsMatch(fileName, "^" + Regex.Escape(p).Replace(@"\*", ".*") + "$"));
        var examples = Directory.EnumerateFiles(Repo.Examples, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".yaml" or ".yml" or ".json")
            .Select(Path.GetFileName).ToList();
        Assert.Contains("full-8b-zero2.yml", examples);
        Assert.Contains("ds_zero2.json", examples);
        Assert.All(examples, n => Assert.True(Maps(n!), $"{n} is not mapped"));
        Assert.All(Repo.ExampleNames().Select(n => (string)n[0]), n => Assert.True(Maps(n), $"{n} is not mapped"));
        // Files that are no YAML or JSON never reach the server.
        Assert.All(new[] { "train.py", "x.lft.yaml.bak", "README.md", "hostfile" }, n => Assert.False(Maps(n), $"{n} must not start lft"));
    }

    [Fact]
    public async Task Settings_json_is_valid_against_its_schema_and_the_server_reads_it_without_complaint()
    {
        var schemaText = File.ReadAllText(Path.Combine(Lsp4ijTemplate.Folder, "settings.schema.json"));
        var schema = await JsonSchema.FromJsonAsync(schemaText);
        var settings = Lsp4ijTemplate.Read("settings.json");
        var errors = schema.Validate(settings.ToJsonString());
        Assert.True(errors.Count == 0, "settings.json against settings.schema.json: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
        Assert.NotEmpty(schema.Validate("""{"lft": {"units": "bytes"}}"""));
        Assert.NotEmpty(schema.Validate("""{"lft": {"gpuCount": 0}}"""));
        Assert.NotEmpty(schema.Validate("""{"lft": {"defaultGPU": "h100"}}"""));
        Assert.NotEmpty(schema.Validate("""{"lft": {"dialects": {"*.yaml": "axolotl-v2"}}}"""));
        Assert.Empty(schema.Validate("""{"lft": {"dialects": {"**/recipes/*.yaml": "axolotl"}, "nodeCount": 2}}"""));

        // Every setting the schema offers is one ServerSettings reads, and the shipped values are accepted as they are.
        var lft = Assert.IsType<JsonObject>(settings["lft"]);
        var offered = JsonNode.Parse(schemaText)!["properties"]!["lft"]!["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["defaultGpu", "diagnosticsDelayMs", "dialects", "gpuCount", "nodeCount", "units", "validateSchema"], offered);
        var problems = new List<string>();
        var read = ServerSettings.Read(JsonDocument.Parse(settings.ToJsonString()).RootElement, new ServerSettings(), problems);
        Assert.Empty(problems);
        Assert.Equal(new ServerSettings(), read);
        Assert.Equal(new ServerSettings().DefaultGpu, (string?)lft["defaultGpu"]);
    }

    [Fact]
    public void Schema_offers_exactly_the_dialect_ids_the_server_knows()
    {
        var ids = JsonNode.Parse(File.ReadAllText(Path.Combine(Lsp4ijTemplate.Folder, "settings.schema.json")))!["properties"]!["lft"]!["properties"]!["dialects"]!["additionalProperties"]!["enum"]!.AsArray().Select(e => (string)e!);
        Assert.Equal(DialectRegistry.Default.Dialects.Select(d => d.Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_examples_name_known_GPUs()
    {
        var examples = JsonNode.Parse(File.ReadAllText(Path.Combine(Lsp4ijTemplate.Folder, "settings.schema.json")))!["properties"]!["lft"]!["properties"]!["defaultGpu"]!["examples"]!.AsArray();
        Assert.All(examples, e => Assert.True(GpuCatalog.Default.Find((string)e!) is not null, $"settings.schema.json offers `{e}`, which `lft gpus` does not know"));
    }

    [Fact]
    public void Initialization_options_and_settings_agree_so_nothing_changes_after_start()
    {
        // LSP4IJ sends initializationOptions.json once, at initialize, then settings.json on start and on every edit:
        // a value set differently in the two would show for a moment and then flip.
        var options = Lsp4ijTemplate.Expand(Lsp4ijTemplate.Read("initializationOptions.json"));
        var settings = Lsp4ijTemplate.Expand(Lsp4ijTemplate.Read("settings.json"));
        var problems = new List<string>();
        var fromOptions = ServerSettings.Read(JsonDocument.Parse(options.ToJsonString()).RootElement, new ServerSettings(), problems);
        var fromSettings = ServerSettings.Read(JsonDocument.Parse(settings.ToJsonString()).RootElement, new ServerSettings(), problems);
        Assert.Empty(problems);
        Assert.Equal(fromSettings, fromOptions);
    }

    [Fact]
    public void Client_settings_use_LSP4IJ_field_names()
    {
        var client = Lsp4ijTemplate.Read("clientSettings.json");
        Assert.All(client, p => Assert.True(ClientSettingsKeys.Contains(p.Key), $"clientSettings.json: LSP4IJ does not read `{p.Key}`"));
        // YAML keys are case-sensitive: completion must not offer `Model` for `mo`.
        Assert.True((bool?)client["caseSensitive"]);
    }

    [Fact]
    public void Readme_tells_how_to_install_the_tool_and_import_the_template()
    {
        var readme = File.ReadAllText(Path.Combine(Lsp4ijTemplate.Folder, "README.md"));
        Assert.Contains("dotnet tool install --global --add-source artifacts/nupkg LspFineTune.Lft", readme);
        Assert.Contains("Import from custom template", readme);
        Assert.Contains("LSP4IJ", readme);
    }

    [Fact]
    public void Command_lines_split_as_LSP4IJ_splits_them()
    {
        Assert.Equal(["lft", "lsp"], Lsp4ijTemplate.SplitCommandLine("lft lsp"));
        Assert.Equal(["lft", "lsp"], Lsp4ijTemplate.SplitCommandLine("  lft   lsp "));
        Assert.Equal(["/opt/my tools/lft", "lsp"], Lsp4ijTemplate.SplitCommandLine("\"/opt/my tools/lft\" lsp"));
        Assert.Equal(["sh", "-c", "lft lsp"], Lsp4ijTemplate.SplitCommandLine("sh -c \"lft lsp\""));
    }
}
