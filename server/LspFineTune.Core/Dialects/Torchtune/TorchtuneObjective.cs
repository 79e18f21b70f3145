using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// The objective of a torchtune recipe config (pytorch/torchtune recipes at the mirrored commit), read from its
/// <c>loss._component_</c>: <c>torchtune.rlhf.loss.DPOLoss</c>/<c>RSOLoss</c>/<c>IPOLoss</c> (full_dpo_distributed.py,
/// lora_dpo_*.py: a concatenated forward of chosen and rejected, 747-867) with a reference that is the adapter-disabled
/// base in the LoRA recipes and a second model from <c>ref_checkpointer</c> in the full one (215-293); <c>SimPOLoss</c>
/// has none; <c>PPOLoss</c> (ppo_full_finetune_single_device.py: reference policy, reward and value models from
/// <c>ref_policy_checkpointer</c>, <c>reward_checkpointer</c>, <c>value_checkpointer</c>; value trained in full) generates
/// <c>max_generated_tokens</c> for <c>forward_batch_size</c> prompts at a time; the dev GRPO recipes (<c>GRPO*Loss</c>)
/// generate <c>grpo_samples</c> completions of <c>max_generated_tokens</c> per prompt with a <c>ref_checkpointer</c> reference.
/// </summary>
public static class TorchtuneObjective
{
    public static ObjectiveChoice Bind(MappingNode root, int microBatch, int sequenceLength)
    {
        var loss = String(Section(root, "loss"), "_component_") ?? "";
        var name = loss.Split('.')[^1];
        var type = name switch
        {
            "DPOLoss" or "RSOLoss" or "IPOLoss" => TrainingObjective.Dpo,
            "SimPOLoss" => TrainingObjective.Orpo,
            "PPOLoss" => TrainingObjective.Ppo,
            _ when name.StartsWith("GRPO", StringComparison.Ordinal) => TrainingObjective.Grpo,
            _ => TrainingObjective.Sft,
        };
        if (type == TrainingObjective.Sft)
            return new ObjectiveChoice();
        var generated = (int)(NullableLong(root, "max_generated_tokens") is > 0 and var g ? g : 512);
        var samples = (int)(NullableLong(root, "grpo_samples") is > 0 and var s ? s : 1);
        return new ObjectiveChoice
        {
            Type = type,
            Loss = name,
            // The GRPO recipe's KL term always runs (GRPOLoss kl_coeff); DPO's beta does not decide the reference.
            Beta = NullableDouble(Section(root, "loss"), "beta") ?? NullableDouble(Section(root, "loss"), "kl_coeff") ?? 0.1,
            SeparateReferenceModel = root.Find("ref_checkpointer") is not null || root.Find("ref_policy_checkpointer") is not null,
            RewardModelCopy = true,
            ValueModelCopy = root.Find("value_checkpointer") is not null,
            Generation = new GenerationSettings
            {
                NumGenerations = samples,
                MaxCompletionLength = generated,
                PromptLength = Math.Max(1, sequenceLength),
                SequencesPerGpu = Math.Max(1, (int)(NullableLong(root, "forward_batch_size") ?? microBatch) * samples),
            },
        };
    }
}
