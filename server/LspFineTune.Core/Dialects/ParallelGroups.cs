using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// Says on a tensor- or context-parallel key when the estimate's GPUs do not form whole tp x cp groups: the framework
/// would refuse that mesh, so the estimate is made without the split (<see cref="ParallelDegrees"/>).
/// </summary>
public static class ParallelGroups
{
    public static void Check(PropertyNode? property, MemorySaversChoice savers, HardwareChoice hardware, List<Diagnostic> diagnostics)
    {
        if (property is null || ParallelDegrees.Fits(savers.TensorParallelSize, savers.ContextParallelSize, hardware.TotalGpus))
            return;
        var group = savers.TensorParallelSize * savers.ContextParallelSize;
        diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
            $"`{property.Key.Value}` makes groups of {group} GPUs (tensor x context parallel), but this estimate is for {hardware.TotalGpus}, so it is estimated without the split. State the GPUs with a `# lft: gpu=... gpus_per_node={group}` comment (or --gpus-per-node).",
            property.Key.Range));
    }
}
