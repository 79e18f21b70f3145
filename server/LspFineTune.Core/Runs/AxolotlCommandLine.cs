using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Runs;

/// <summary>
/// <c>axolotl train FILE --launcher accelerate -- ACCELERATE-OPTIONS</c> (axolotl-ai-cloud/axolotl@067b021
/// <c>src/axolotl/cli/main.py</c> 79-129: <c>--launcher</c> accelerate|torchrun|python, default accelerate, and what
/// follows <c>--</c> goes to the launcher; <c>src/axolotl/cli/utils/train.py</c> 166-186 runs
/// <c>accelerate launch ARGS -m axolotl.cli.train FILE</c>; <c>docs/cli.qmd</c> 35 shows the form).
/// </summary>
public static class AxolotlCommandLine
{
    public static LaunchCommand For(string configPath, TrainingPlan plan, LaunchTopology topology)
    {
        var (accelerate, missing) = AccelerateArguments.For(topology);
        return new LaunchCommand("axolotl", ["axolotl", "train", configPath, "--launcher", "accelerate", "--", .. accelerate])
        {
            Missing = missing,
            // axolotl logs through the HF Trainer (with its memory/max_* keys, core/trainers/base.py 739-746), and
            // DeepSpeed's engine prints its own lines when the config names a DeepSpeed JSON.
            Logs = LogFormats.HuggingFaceTrainer | (plan.DeepSpeed.Engine == ShardingEngine.DeepSpeed ? LogFormats.DeepSpeed : LogFormats.None),
            OutputDir = plan.Output.Dir,
            Notes = topology.MultiNode ? [topology.MultiNodeNote] : [],
        };
    }
}
