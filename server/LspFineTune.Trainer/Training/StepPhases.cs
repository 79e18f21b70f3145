using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Where one gradient step's wall time went (the `phase_ms` of a step event): building the micro-batches, the
/// forward passes with the loss, the backward passes, the optimizer step with zero_grad; `other` is the rest
/// (disposal of the step's tensors, the loss read-back). The profile in docs/trainer.md is read from these.
/// </summary>
internal sealed class StepPhases
{
    public TimeSpan Batch { get; set; }

    public TimeSpan Forward { get; set; }

    public TimeSpan Backward { get; set; }

    public TimeSpan Optimizer { get; set; }

    public JsonObject ToJson(TimeSpan step) => new()
    {
        ["batch"] = Milliseconds(Batch),
        ["forward"] = Milliseconds(Forward),
        ["backward"] = Milliseconds(Backward),
        ["optimizer"] = Milliseconds(Optimizer),
        ["other"] = Milliseconds(step - Batch - Forward - Backward - Optimizer),
    };

    private static double Milliseconds(TimeSpan time) => Math.Round(time.TotalMilliseconds, 3);
}
