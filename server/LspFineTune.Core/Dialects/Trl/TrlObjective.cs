using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// The objective a TRL config trains (huggingface/trl@f2cd577): the trainer the file is for, and its config's keys —
/// <c>beta</c> (dpo_config.py 283: 0.1; kto_config.py 199: 0.1; grpo_config.py 671: 0.0; rloo_config.py 494: 0.05),
/// <c>loss_type</c>, <c>precompute_ref_log_probs</c> (DPO/KTO, default false), and for GRPO/RLOO the generation:
/// <c>num_generations</c> (8; RLOO 2), <c>max_completion_length</c> (512), <c>steps_per_generation</c> (default the
/// accumulation steps) or <c>generation_batch_size</c> (global), <c>use_vllm</c>, <c>vllm_mode</c> (colocate),
/// <c>vllm_gpu_memory_utilization</c> (0.3), <c>vllm_enable_sleep_mode</c>.
/// </summary>
public static class TrlObjective
{
    public static ObjectiveChoice Bind(MappingNode root, TrlTrainer trainer, int microBatch, int accumulation, int gpus, int sequenceLength)
    {
        var type = trainer switch
        {
            TrlTrainer.Dpo => TrainingObjective.Dpo,
            TrlTrainer.Orpo => TrainingObjective.Orpo,
            TrlTrainer.Kto => TrainingObjective.Kto,
            TrlTrainer.Reward => TrainingObjective.Reward,
            TrlTrainer.Grpo or TrlTrainer.Rloo => TrainingObjective.Grpo,
            _ => TrainingObjective.Sft,
        };
        var defaultBeta = trainer switch { TrlTrainer.Grpo => 0.0, TrlTrainer.Rloo => 0.05, _ => 0.1 };
        var loss = root.Find("loss_type")?.Value switch
        {
            ScalarNode { IsNull: false } scalar => scalar.Value,
            SequenceNode sequence => string.Join("+", sequence.Items.OfType<ScalarNode>().Select(s => s.Value)),
            _ => null,
        };
        var objective = new ObjectiveChoice
        {
            Type = type,
            Loss = loss,
            Beta = NullableDouble(root, "beta") ?? defaultBeta,
            PrecomputeReferenceLogProbs = Bool(root, "precompute_ref_log_probs", false),
        };
        if (type != TrainingObjective.Grpo)
            return objective;

        return objective with { Generation = Generation(root, trainer == TrlTrainer.Rloo ? 2 : 8, microBatch, accumulation, gpus, sequenceLength, NullableDouble(root, "vllm_gpu_memory_utilization")) };
    }

    /// <summary>GRPOConfig's generation keys in <paramref name="section"/> (a TRL config, or axolotl's <c>trl:</c>, which it hands to GRPOConfig).</summary>
    public static GenerationSettings Generation(MappingNode? section, int defaultGenerations, int microBatch, int accumulation, int gpus, int sequenceLength, double? vllmUtilization)
    {
        var completion = (int)(NullableLong(section, "max_completion_length") is > 0 and var c ? c : 512);
        // grpo_config.py 511-525, 1050-1070: steps_per_generation defaults to the accumulation steps; a generation_batch_size
        // (global, in completions) sets it to generation_batch_size / (per_device_train_batch_size x processes).
        var stepsPerGeneration = NullableLong(section, "steps_per_generation") is > 0 and var steps ? (int)steps
            : NullableLong(section, "generation_batch_size") is > 0 and var global ? (int)Math.Max(1, global / Math.Max(1, microBatch * gpus))
            : accumulation;
        var engine = !Bool(section, "use_vllm", false) ? GenerationEngine.Transformers
            : (String(section, "vllm_mode") ?? "colocate") == "server" ? GenerationEngine.VllmServer : GenerationEngine.VllmColocate;
        return new GenerationSettings
        {
            NumGenerations = (int)(NullableLong(section, "num_generations") is > 0 and var g ? g : defaultGenerations),
            MaxCompletionLength = completion,
            PromptLength = Math.Max(1, sequenceLength - completion),
            SequencesPerGpu = Math.Max(1, microBatch * stepsPerGeneration),
            Engine = engine,
            VllmGpuMemoryUtilization = Math.Clamp(vllmUtilization ?? 0.3, 0, 1),
            VllmSleepMode = Bool(section, "vllm_enable_sleep_mode", false),
        };
    }
}
