using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// One config format the pipeline reads (native, axolotl, DeepSpeed JSON, ...). A dialect owns everything that knows
/// its key names: whether a document is one of its own (and why), its schema, binding to the neutral plan with
/// provenance, its cross-key rules, how plan changes are written back (possibly into another file), and how its keys
/// read in messages. Nothing outside a dialect knows a key path.
/// </summary>
public interface IConfigDialect
{
    /// <summary>The id used by <c>--dialect</c>, the modeline and JSON output: <c>native</c>, <c>axolotl</c>, <c>deepspeed</c>.</summary>
    string Id { get; }

    /// <summary>How it reads in messages: "axolotl", "DeepSpeed JSON".</summary>
    string DisplayName { get; }

    /// <summary>How documents are recognised, for <c>lft dialects</c>.</summary>
    string Recognition { get; }

    /// <summary>The upstream version its keys follow ("axolotl-ai-cloud/axolotl@067b021"), or "this project".</summary>
    string Upstream { get; }

    /// <summary>The reason the document's content is this dialect's ("has `base_model` and `sequence_len`"), or null.</summary>
    string? ClaimByContent(DocumentContext document);

    /// <summary>The reason the file name alone makes it this dialect's (<c>*.lft.yaml</c>), or null.</summary>
    string? ClaimByFileName(string fileName);

    /// <summary>Its schema (null: validation is the binder's).</summary>
    SchemaValidator? Schema { get; }

    /// <summary>Descriptions, defaults and allowed values of its keys, for hover and completion (null: none).</summary>
    SchemaDocumentation? Documentation { get; }

    /// <summary>The documentation of one bound document's keys: by default the static <see cref="Documentation"/>; a
    /// dialect whose keys depend on the document (torchtune: the recipe and each section's <c>_component_</c>) builds it
    /// from the binding. Called by hover and completion, never on the analysis path, so it may build lazily.</summary>
    SchemaDocumentation? DocumentationFor(DialectBinding binding) => Documentation;

    IDialectVocabulary Vocabulary { get; }

    /// <summary>The schema's findings as the framework would see them (what it refuses, warns about, or ignores).</summary>
    IReadOnlyList<Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostic> findings);

    /// <summary>Binds the document to a plan with provenance; also runs the dialect's own cross-key rules.</summary>
    DialectBinding Bind(DocumentContext document, BindingOptions options);

    /// <summary>Plan changes as minimal edits in this dialect's keys, across files where the value lives elsewhere.</summary>
    IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes);

    /// <summary>Plan fields this document cannot express (an axolotl config sharded with FSDP has no ZeRO stage to write):
    /// fixes and plans that change them are not offered.</summary>
    IReadOnlySet<PlanField> Unwritable(DialectBinding binding);

    /// <summary>
    /// The memory savers this document can switch on in its own keys (chunked or fused cross-entropy, activation
    /// offloading), each as the plan change those keys make, with the framework's own settings (its chunking, its
    /// compile): what quick fixes and the plan search may offer. None by default.
    /// </summary>
    IReadOnlyList<PlanChange> SaverOptions(DialectBinding binding) => [];

    /// <summary>The edit that records a GPU choice (native: <c>hardware.gpu</c>; other dialects: the modeline).</summary>
    IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode);
}

/// <summary>How a dialect's keys and values read in messages.</summary>
public interface IDialectVocabulary
{
    /// <summary>The key a user edits for a field, as written in this dialect (<c>attn_implementation</c>); null when the
    /// dialect has no key for it (axolotl has none for the number of examples).</summary>
    string? Key(PlanField field);

    /// <summary>A change as the user would write it (<c>attn_implementation: sdpa</c>, <c>adapter: qlora</c>).</summary>
    string Setting(PlanChange change);

    /// <summary>The value alone, as this dialect spells it (<c>flash_attention_2</c>), for "what if" lists in hovers.</summary>
    string Value(PlanChange change);
}

/// <summary>What binding one document produced: the plan (null when the model or GPU is unknown), where each value
/// came from, the findings of binding and of the dialect's own rules, and the files it read besides the document.</summary>
public class DialectBinding
{
    public required DocumentContext Document { get; init; }

    public TrainingPlan? Plan { get => _plan; init => _plan = value; }

    private TrainingPlan? _plan;

    /// <summary>Lengths the modeline states (<c>longest_tokens=</c>, <c>mean_tokens=</c>) replace the data's: the
    /// assumption a user states when the data is not at hand, or overrides it with. Every dialect's binding gets it.</summary>
    internal void ApplyStatedLengths()
    {
        if (_plan is not null && Document.Modeline.LongestTokens is { } longest)
        {
            var mean = Document.Modeline.MeanTokens ?? longest;
            _plan = _plan with { Data = _plan.Data with { Lengths = LengthProfile.Stated(longest, mean, "the modeline"), MeanTokensPerExample = _plan.Data.MeanTokensPerExample ?? mean } };
        }
    }

    public PlanProvenance Provenance { get; init; } = new();

    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Companion files read (their absolute paths), in the order they were named.</summary>
    public IReadOnlyList<CompanionFile> Companions { get; init; } = [];
}
