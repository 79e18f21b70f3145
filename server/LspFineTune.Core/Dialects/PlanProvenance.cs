using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects;

/// <summary>Where a plan value came from, in the order hardware context is resolved (CONFIG.md "Dialects").</summary>
public enum ValueOrigin
{
    /// <summary>A key of the document itself.</summary>
    Document,

    /// <summary>A key of a file the document names (a DeepSpeed JSON), or a preset resolved by its name.</summary>
    Companion,

    /// <summary>The <c># lft: gpu=... gpus_per_node=...</c> comment in the document's first lines.</summary>
    Modeline,

    /// <summary>A command-line flag (<c>--gpu</c>, <c>--gpus-per-node</c>, <c>--nodes</c>).</summary>
    Flag,

    /// <summary>A launch file the document names (accelerate config, hostfile).</summary>
    LaunchFile,

    /// <summary>An editor setting (<c>lft.defaultGpu</c>, <c>lft.gpuCount</c>, <c>lft.nodeCount</c>).</summary>
    Settings,

    /// <summary>Nobody said: the dialect's (or the tool's) default.</summary>
    Default,
}

/// <summary>
/// Where one plan value came from. <see cref="Property"/> is the key and value that set it (in the document, or in the
/// companion file <see cref="FilePath"/>); <see cref="Via"/> is the document's key that led there (axolotl's
/// <c>deepspeed:</c>); <see cref="Anchor"/> is where to report about the field when the document does not write it.
/// </summary>
public sealed record ValueSource(ValueOrigin Origin)
{
    public static readonly ValueSource Default = new(ValueOrigin.Default);

    public PropertyNode? Property { get; init; }

    /// <summary>The companion file that holds <see cref="Property"/>; null for the document.</summary>
    public string? FilePath { get; init; }

    public PropertyNode? Via { get; init; }

    public TextRange? Anchor { get; init; }

    /// <summary>A few words for hovers and the CLI ("preset deepspeed_configs/zero3_bf16.json", "--gpu").</summary>
    public string? Detail { get; init; }

    public bool InDocument => Property is not null && FilePath is null;

    /// <summary>The snake_case name of the origin, as JSON outputs write it (<c>"modeline"</c>, <c>"launch-file"</c>).</summary>
    public string OriginName => Origin switch
    {
        ValueOrigin.LaunchFile => "launch-file",
        ValueOrigin.Document => "config",
        _ => Origin.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// For every plan field, where its value came from. Findings, hovers, inlay hints and related information find their
/// ranges here instead of looking key paths up again, so they work for any dialect and for values from other files.
/// </summary>
public sealed class PlanProvenance
{
    private readonly Dictionary<PlanField, ValueSource> _sources = [];

    public static PlanProvenance Empty { get; } = new();

    /// <summary>The provenance a binder starts from: each field from its key in the dialect's vocabulary when
    /// <paramref name="find"/> finds it written, else a default reported at <paramref name="anchor"/>.</summary>
    public static PlanProvenance FromVocabulary(IDialectVocabulary vocabulary, Func<string, PropertyNode?> find, TextRange anchor)
    {
        var provenance = new PlanProvenance();
        foreach (var field in Enum.GetValues<PlanField>())
        {
            provenance.Set(field, vocabulary.Key(field) is { } key && find(key) is { } written
                ? new ValueSource(ValueOrigin.Document) { Property = written }
                : ValueSource.Default with { Anchor = anchor });
        }
        return provenance;
    }

    public ValueSource Of(PlanField field) => _sources.TryGetValue(field, out var source) ? source : ValueSource.Default;

    public void Set(PlanField field, ValueSource source) => _sources[field] = source;

    /// <summary>The document's own key that set the field, or null (a default, a setting, a companion file).</summary>
    public PropertyNode? Written(PlanField field) => Of(field) is { InDocument: true } source ? source.Property : null;

    /// <summary>The document's key a user would edit for this field: the key itself, or the key that names its file.</summary>
    public PropertyNode? Driver(PlanField field) => Written(field) ?? Of(field).Via;

    /// <summary>The range to report a value problem on: the value when written, else the field's anchor.</summary>
    public TextRange ValueRange(PlanField field) =>
        Written(field)?.Value.Range ?? Of(field).Via?.Value.Range ?? Of(field).Anchor ?? TextRange.At(0, 0);

    /// <summary>The range to report a key's presence on: the key when written, else the field's anchor.</summary>
    public TextRange KeyRange(PlanField field) =>
        Written(field)?.Key.Range ?? Of(field).Via?.Key.Range ?? Of(field).Anchor ?? TextRange.At(0, 0);

    /// <summary>The fields a document key drives (directly, or through the file it names): what a hover on it explains.</summary>
    public IReadOnlyList<PlanField> FieldsDrivenBy(PropertyNode property) =>
        _sources.Where(s => ReferenceEquals(s.Value.InDocument ? s.Value.Property : null, property) || ReferenceEquals(s.Value.Via, property))
            .Select(s => s.Key)
            .Order()
            .ToList();
}
