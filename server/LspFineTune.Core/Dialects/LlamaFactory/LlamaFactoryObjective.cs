using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// The objective of a classic LLaMA-Factory config (hiyouga/LLaMA-Factory@ff6d4d1): <c>stage: pt|sft|rm|ppo|dpo|kto</c>
/// (finetuning_args.py 460) with <c>pref_loss</c> (sigmoid default; orpo and simpo take no reference,
/// finetuning_args.py 593 <c>use_ref_model</c>), <c>pref_beta</c> (0.1), <c>ref_model</c> and
/// <c>ref_model_quantization_bit</c> (train/trainer_utils.py create_ref_model: a named model is loaded with that
/// quantization; with none, LoRA (not OFT) uses its adapter-disabled base and full/freeze a copy of the model with the same
/// arguments); KTO always has a reference (kto/workflow.py); PPO a reward model (<c>reward_model_type</c>, default lora:
/// an adapter on the same base) and a value head on the policy (AutoModelForCausalLMWithValueHead), generating
/// <c>max_new_tokens</c> (generating_args.py 53: 1024) per mini-batch of per_device_train_batch_size prompts
/// (ppo/trainer.py 103, 256).
/// </summary>
public static class LlamaFactoryObjective
{
    public static ObjectiveChoice Bind(MappingNode root, string stage, string finetuningType, int sequenceLength, int microBatch)
    {
        var loss = String(root, "pref_loss") ?? "sigmoid";
        var type = stage switch
        {
            "pt" => TrainingObjective.Pretrain,
            "dpo" => loss is "orpo" or "simpo" ? TrainingObjective.Orpo : TrainingObjective.Dpo,
            "kto" => TrainingObjective.Kto,
            "rm" => TrainingObjective.Reward,
            "ppo" => TrainingObjective.Ppo,
            _ => TrainingObjective.Sft,
        };
        var refBits = NullableLong(root, "ref_model_quantization_bit");
        var completion = (int)(NullableLong(root, "max_new_tokens") is > 0 and var n ? n : 1024);
        return new ObjectiveChoice
        {
            Type = type,
            Loss = stage == "dpo" ? loss : null,
            Beta = NullableDouble(root, "pref_beta") ?? 0.1,
            // create_ref_model disables the adapter only for finetuning_type lora: OFT (an adapter here) loads a copy.
            SeparateReferenceModel = String(root, "ref_model") is not null || finetuningType == "oft",
            ReferenceQuantization = String(root, "ref_model") is null ? null : refBits switch { 4 => Quantization.Nf4, 8 => Quantization.Int8, _ => Quantization.None },
            RewardModelCopy = (String(root, "reward_model_type") ?? "lora") == "full",
            ValueModelCopy = false,
            Generation = new GenerationSettings
            {
                NumGenerations = 1,
                MaxCompletionLength = completion,
                // cutoff_len bounds the prompt of a PPO example (the completion is generated after it).
                PromptLength = sequenceLength,
                SequencesPerGpu = Math.Max(1, microBatch),
            },
        };
    }
}
