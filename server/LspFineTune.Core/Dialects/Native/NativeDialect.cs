using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Native;

/// <summary>This project's own format (CONFIG.md): <c>*.lft.yaml</c>, the <c># lft: config</c> modeline, a
/// <c>$schema</c> naming lft.schema.json, or a <c>model:</c> section with <c>name</c>, <c>path</c> or <c>architecture</c>.</summary>
public sealed class NativeDialect : IConfigDialect
{
    public static NativeDialect Instance { get; } = new();

    public string Id => "native";

    public string DisplayName => "LspFineTune";

    public string Recognition => "*.lft.{yaml,yml,json}, the modeline `# lft: config`, `$schema` naming lft.schema.json, or a `model:` section with name/path/architecture";

    public string Upstream => "this project (schemas/lft.schema.json)";

    public SchemaValidator? Schema => SchemaValidator.Default;

    public SchemaDocumentation? Documentation => SchemaDocumentation.Default;

    public IDialectVocabulary Vocabulary => NativeVocabulary.Instance;

    /// <summary>This project's own schema is exact: every finding stands as it is.</summary>
    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) => findings;

    public string? ClaimByContent(DocumentContext document)
    {
        var root = document.Tree.RootMapping;
        if (root?.Find("$schema")?.Value is ScalarNode { Value: var schema } && schema.Contains("lft.schema.json", StringComparison.OrdinalIgnoreCase))
            return "`$schema` names lft.schema.json";
        // An application's own settings may have `model: {name: ...}` too: a native config has nothing but native
        // sections at the top (a misspelt one still counts, so its typo gets reported).
        if (root?.Find("model")?.Value is MappingNode model && (model.Find("name") ?? model.Find("path") ?? model.Find("architecture")) is not null
            && root.Properties.All(p => Sections.Any(section => Text.EditDistance.AtMost(p.Key.Value, section, 2) <= 2)))
            return "a native `model:` section and only native sections";
        return null;
    }

    /// <summary>The top-level sections of the native format (schemas/lft.schema.json).</summary>
    private static readonly string[] Sections = ["$schema", "model", "hardware", "method", "optimizer", "training", "deepspeed", "data", "output"];

    public string? ClaimByFileName(string fileName) =>
        fileName.EndsWith(".lft.yaml", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".lft.yml", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".lft.json", StringComparison.OrdinalIgnoreCase)
            ? "the file name ends in .lft.*"
            : null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => NativeBinder.Bind(document, options);

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes) =>
        changes.Any(c => NativeVocabulary.PathOf(c.Field) is null) ? [] : Edits(binding.Document.Tree, changes.Select(c => NativeVocabulary.ToConfigChange(c)!).ToList());

    /// <summary>Every field but the memory savers, which the native format has no keys for.</summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding) =>
        System.Enum.GetValues<PlanField>().Where(f => NativeVocabulary.PathOf(f) is null).ToHashSet();

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode)
    {
        var changes = new List<ConfigChange> { new("hardware.gpu", gpuId) };
        if (gpusPerNode is { } count)
            changes.Add(new ConfigChange("hardware.gpus_per_node", count));
        return Edits(binding.Document.Tree, changes);
    }

    private static IReadOnlyList<FileEdit> Edits(ConfigSyntaxTree tree, IReadOnlyList<ConfigChange> changes) =>
        ConfigEditor.ToTextEdits(tree, changes) is { Count: > 0 } edits ? [new FileEdit(null, edits)] : [];
}
