using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>A LLaMA-Factory binding (classic or v1): the DeepSpeed config it names, whether it shards with FSDP instead
/// (ZeRO changes cannot be written then), and (classic) the accelerate config <c>accelerate launch</c> starts it with.</summary>
public sealed class LlamaFactoryBinding : TrainerBinding
{
    /// <summary>What a binder produced (plan null: nothing to estimate), with the DeepSpeed JSON and the launch file
    /// (and the JSON it names) as its companions.</summary>
    internal static LlamaFactoryBinding Of(DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, TrainingPlan? plan, DeepSpeedReference? deepSpeed, bool usesFsdp, LaunchFacts? launch = null) => new()
    {
        Document = document,
        Plan = plan,
        Provenance = provenance,
        Diagnostics = diagnostics,
        DeepSpeed = deepSpeed,
        UsesFsdp = usesFsdp,
        WorkspaceFolder = options.WorkspaceFolder,
        Launch = launch,
        Companions = CompanionsOf(deepSpeed, launch),
    };
}
