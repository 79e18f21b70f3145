using LspFineTune.Core.Dialects.Trl;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Runs;

/// <summary>
/// <c>trl COMMAND --config FILE [ACCELERATE-OPTIONS]</c> (huggingface/trl@f2cd577 <c>trl/cli/commands/__init__.py</c>
/// 22-33: the commands dpo, grpo, kto, reward, rloo, sft; <c>trl/cli/commands/training.py</c> 50-70: options the script
/// does not know go to <c>accelerate launch</c>, <c>--accelerate_config</c> becoming its <c>--config_file</c>
/// (<c>trl/cli/accelerate_config.py</c> 19-46)).
/// </summary>
public static class TrlCommandLine
{
    public static LaunchResult For(string configPath, TrainingPlan plan, TrlBinding binding, LaunchTopology topology)
    {
        if (binding.Trainer.Trainer == TrlTrainer.Orpo)
            return LaunchResult.Refused("TRL has no `trl orpo` command (trl@f2cd577 has dpo, grpo, kto, reward, rloo and sft); the alignment-handbook runs ORPO with its own script: `accelerate launch scripts/run_orpo.py FILE`.");
        // The file's own `accelerate_config:` and `num_processes:` reach accelerate through the CLI already; a launch file
        // named elsewhere (the modeline, --accelerate-config, accelerate's default) is passed as TRL spells it.
        var namedByTheFile = binding.Launch?.Via is not null || binding.AcceleratePreset is not null;
        var launching = binding.AcceleratePreset is not null ? topology with { ReadsLaunchFile = true } : topology;
        var (accelerate, missing) = AccelerateArguments.For(launching, namedByTheFile ? null : "--accelerate_config");
        return LaunchResult.Of(new LaunchCommand("trl", ["trl", binding.Trainer.Command, "--config", configPath, .. accelerate])
        {
            Missing = missing,
            Logs = LogFormats.HuggingFaceTrainer | (plan.DeepSpeed.Engine == ShardingEngine.DeepSpeed ? LogFormats.DeepSpeed : LogFormats.None),
            OutputDir = plan.Output.Dir,
            Notes = topology.MultiNode ? [topology.MultiNodeNote] : [],
        });
    }
}
