using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>A LLaMA-Factory binding (classic or v1), with what its writer needs: the DeepSpeed config it names and
/// whether it shards with FSDP instead (ZeRO changes cannot be written then).</summary>
public sealed class LlamaFactoryBinding : DialectBinding
{
    public DeepSpeedReference? DeepSpeed { get; init; }

    public bool UsesFsdp { get; init; }

    public string? WorkspaceFolder { get; init; }

    /// <summary>What a binder produced (plan null: nothing to estimate), with the DeepSpeed JSON as its companion.</summary>
    internal static LlamaFactoryBinding Of(DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, TrainingPlan? plan, DeepSpeedReference? deepSpeed, bool usesFsdp) => new()
    {
        Document = document,
        Plan = plan,
        Provenance = provenance,
        Diagnostics = diagnostics,
        DeepSpeed = deepSpeed,
        UsesFsdp = usesFsdp,
        WorkspaceFolder = options.WorkspaceFolder,
        Companions = deepSpeed?.Companion is { } companion ? [companion] : [],
    };
}
