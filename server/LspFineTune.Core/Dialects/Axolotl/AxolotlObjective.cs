using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// The objective of an axolotl config (axolotl-ai-cloud/axolotl@067b021): <c>rl: dpo|ipo|orpo|simpo|kto|grpo|gdpo</c>
/// (utils/schemas/enums.py RLType) run on TRL's trainers, <c>reward_model: true</c> a reward model; <c>rl_beta</c> (or
/// <c>trl.beta</c>) the temperature (core/builders/rl.py 124); <c>precompute_ref_log_probs</c> (core/trainers/dpo); a
/// reference copy unless an adapter is trained without <c>rl_adapter_ref_model</c> (train.py 137-153); GRPO's generation
/// from the <c>trl:</c> section (utils/schemas/trl.py: num_generations, max_completion_length, generation_batch_size,
/// use_vllm, vllm_mode, vllm_enable_sleep_mode) and, for a colocated vLLM, <c>vllm.gpu_memory_utilization</c>
/// (core/trainers/grpo/__init__.py 68-77); TRL's defaults where the section is silent.
/// </summary>
public static class AxolotlObjective
{
    public static ObjectiveChoice Bind(MappingNode root, int microBatch, int accumulation, int gpus, int sequenceLength)
    {
        var rl = String(root, "rl")?.ToLowerInvariant();
        var type = rl switch
        {
            "dpo" or "ipo" => TrainingObjective.Dpo,
            "orpo" or "simpo" => TrainingObjective.Orpo,
            "kto" => TrainingObjective.Kto,
            "grpo" or "gdpo" => TrainingObjective.Grpo,
            _ => Bool(root, "reward_model", false) ? TrainingObjective.Reward : TrainingObjective.Sft,
        };
        var trl = root.Find("trl")?.Value as MappingNode;
        var beta = NullableDouble(root, "rl_beta") ?? NullableDouble(trl, "beta") ?? (type == TrainingObjective.Grpo ? 0.0 : 0.1);
        var objective = new ObjectiveChoice
        {
            Type = type,
            Loss = rl,
            Beta = beta,
            PrecomputeReferenceLogProbs = Bool(root, "precompute_ref_log_probs", false),
            SeparateReferenceModel = Bool(root, "rl_adapter_ref_model", false),
        };
        if (type != TrainingObjective.Grpo)
            return objective;
        var vllm = NullableDouble(root.Find("vllm")?.Value as MappingNode, "gpu_memory_utilization");
        return objective with { Generation = Trl.TrlObjective.Generation(trl, 8, microBatch, accumulation, gpus, sequenceLength, vllm) };
    }
}
