using LspFineTune.Trainer.Data;

namespace LspFineTune.Trainer.Training;

/// <summary>What the command line adds to a config for one run.</summary>
public sealed record TrainOptions
{
    public required string ConfigPath { get; init; }

    /// <summary>Also write the metrics JSON lines to this file (appended on resume).</summary>
    public string? MetricsPath { get; init; }

    /// <summary>Overrides training.max_steps.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>`--set KEY=VALUE` overrides, written into the config's text before it is checked and bound.</summary>
    public IReadOnlyList<Core.Editing.ConfigChange> Overrides { get; init; } = [];

    /// <summary>Stop after this step with an eval and a checkpoint; the schedule stays the whole run's (a sweep's
    /// early score, Oliver and Wang 2024), so --resume later continues to the end as if never stopped.</summary>
    public long? StopAfterSteps { get; init; }

    /// <summary>Continue from the newest whole checkpoint in the output folder.</summary>
    public bool Resume { get; init; }

    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Skip;

    /// <summary>After LoRA training, also save the base model with the adapter folded in.</summary>
    public bool MergeLora { get; init; }

    /// <summary>Overrides output.dir (tests and the benchmark write to temp folders).</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>libtorch intra-op threads; null keeps libtorch's default (one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Overrides training.attention / gradient_checkpointing / model.dtype (the benchmark sweeps them).</summary>
    public Core.Planning.AttentionKind? Attention { get; init; }
    public bool? GradientCheckpointing { get; init; }
    public Core.Planning.WeightDtype? Dtype { get; init; }

    /// <summary>Set by SIGTERM/SIGINT: the run stops after the current step and checkpoints it; file reads before
    /// the first step stop at their next chunk.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Called once, just before the first step: from then on a stop keeps the step's work.</summary>
    public Action? StepsStarting { get; init; }

    /// <summary>Writes the first step's first micro-batch (input ids and labels) as JSON here, so a reference
    /// implementation can be fed exactly what lft-train trains on (bench/pytorch/first_step_loss.py).</summary>
    public string? FirstBatchPath { get; init; }

    /// <summary>Skip evaluation and checkpoints (the benchmark measures steps only).</summary>
    public bool StepsOnly { get; init; }
}
