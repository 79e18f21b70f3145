using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// What a preference or RL objective holds on each GPU besides the policy's training step (see <see cref="ObjectiveChoice"/>):
/// <list type="bullet">
/// <item><c>reference_model</c>: a frozen copy of the base weights, stored as the policy's base (TRL creates it with the
/// policy's quantization_config, dpo_trainer.py 900-908, grpo_trainer.py 963-971; LLaMA-Factory with the same model
/// arguments or <c>ref_model_quantization_bit</c>, trainer_utils.py create_ref_model); ZeRO-3/FSDP shard it like the
/// policy (TRL prepare_deepspeed keeps stage 3 for the reference, else stage 0).</item>
/// <item><c>reward_and_value_models</c> (PPO): a frozen reward model the size of the policy, and a value model trained in
/// full (weights, gradients, optimizer states) when it is a separate model (TRL experimental/ppo, torchtune).</item>
/// <item><c>generation</c> (GRPO/PPO): the KV cache of the completions the policy generates, 2 x L x kv_heads x head_dim
/// x B per token (K and V of every attention block, in the model dtype; a sliding-window block keeps its window), or a
/// colocated vLLM's reservation, <c>vllm_gpu_memory_utilization</c> x the GPU's memory (vLLM's gpu_memory_utilization is
/// the fraction of total device memory the engine may take for its weights and cache).</item>
/// </list>
/// Generation and the training step alternate: transformers' cache (and a sleeping vLLM's) is freed before the
/// training forward, so only the larger of the generation working set and the step's activations and logits counts.
/// A colocated vLLM without sleep mode keeps its share through the step, so it adds.
/// </summary>
public sealed class ObjectiveMemory
{
    /// <param name="stepActivationBytes">Activations plus logits at the training step's peak: what generation competes with.</param>
    public ObjectiveMemory(TrainingPlan plan, ParameterBudget budget, double stepActivationBytes)
    {
        var objective = plan.Objective;
        var zero3 = plan.DeepSpeed.ZeroStage == 3;
        var shard = zero3 ? plan.Hardware.TotalGpus : 1;
        var terms = new List<MemoryTerm>();
        if (objective.Type == TrainingObjective.Sft || objective.Type == TrainingObjective.Pretrain)
        {
            Terms = terms;
            return;
        }

        var reference = objective.Reference(plan.Method.Type);
        var referenceBytes = reference == ReferenceSource.Copy ? FrozenCopyBytes(plan, budget, objective.ReferenceQuantization) / shard : 0;
        terms.Add(new MemoryTerm(MemoryTermNames.ReferenceModel, Round(referenceBytes), ReferenceFormula(plan, budget, reference, shard),
            "TRL dpo_trainer.py 893-936, grpo_trainer.py 953-971; LLaMA-Factory train/trainer_utils.py create_ref_model")
        { DrivenBy = [PlanField.Method, PlanField.ZeroStage] });

        if (objective.Type == TrainingObjective.Ppo)
        {
            var reward = objective.RewardModelCopy ? FrozenCopyBytes(plan, budget, null) / shard : 0;
            double value = 0;
            if (objective.ValueModelCopy)
            {
                var valuePlan = plan with { Method = new MethodChoice { Type = FineTuneMethod.Full }, Objective = new ObjectiveChoice() };
                var states = new ModelStateMemory(valuePlan, new ParameterBudget(valuePlan));
                value = states.WeightBytes + states.GradientBytes + states.OptimizerStateBytes + states.StepBufferBytes;
            }
            terms.Add(new MemoryTerm(MemoryTermNames.RewardAndValueModels, Round(reward + value),
                $"{(objective.RewardModelCopy ? "frozen reward model as the base" : "reward adapter on the policy's base (0)")} + {(objective.ValueModelCopy ? "value model trained in full (weights, gradients, optimizer states)" : "value head on the policy (h + 1 weights)")}",
                "TRL experimental/ppo/ppo_trainer.py (reward_model, value_model); LLaMA-Factory train/ppo/workflow.py, trainer_utils.py create_reward_model")
            { DrivenBy = [PlanField.Method, PlanField.ZeroStage] });
        }

        if (objective.Generates)
        {
            var generation = objective.Generation;
            double bytes;
            string formula;
            switch (generation.Engine)
            {
                case GenerationEngine.VllmColocate:
                    bytes = generation.VllmGpuMemoryUtilization * plan.Hardware.Gpu.UsableMemoryBytes;
                    formula = $"colocated vLLM: vllm_gpu_memory_utilization {generation.VllmGpuMemoryUtilization:0.##} x {ByteSizes.Format(plan.Hardware.Gpu.UsableMemoryBytes, binary: true)}"
                              + (generation.VllmSleepMode ? " (sleeps during the step)" : " (held through the training step)");
                    break;
                case GenerationEngine.VllmServer:
                    bytes = 0;
                    formula = "vLLM server on other GPUs (vllm_mode: server): nothing on the training GPUs";
                    break;
                default:
                    var tokens = generation.PromptLength + generation.MaxCompletionLength;
                    bytes = KvCacheBytes(plan, generation.SequencesPerGpu, tokens);
                    formula = $"KV cache: {generation.SequencesPerGpu} sequences x {tokens:N0} tokens x 2 x kv_heads x head_dim x {Precision.Bytes(plan.Model.Dtype)} B per attention block";
                    break;
            }
            var coexists = generation.Engine == GenerationEngine.VllmColocate && !generation.VllmSleepMode;
            if (!coexists && bytes > 0)
            {
                PeakIsGeneration = bytes > stepActivationBytes;
                if (!PeakIsGeneration)
                {
                    formula += $" = {ByteSizes.Format(bytes)}, freed before the training step (its activations and logits are larger)";
                    bytes = 0;
                }
            }
            var term = new MemoryTerm(MemoryTermNames.Generation, Round(bytes), formula,
                "TRL grpo_trainer.py _generate_single_turn; vLLM gpu_memory_utilization; transformers DynamicCache")
            { DrivenBy = [PlanField.MicroBatchSize, PlanField.SequenceLength] };
            if (coexists)
                ReservedTerms = [term];
            else
                terms.Add(term);
        }
        Terms = terms;
    }

    /// <summary>Tensor terms, added before the overhead (which takes a share of them for fragmentation).</summary>
    public IReadOnlyList<MemoryTerm> Terms { get; }

    /// <summary>A colocated vLLM's reservation: a pool of its own, so no fragmentation share of it is added.</summary>
    public IReadOnlyList<MemoryTerm> ReservedTerms { get; } = [];

    /// <summary>True when generation needs more than the training step's activations and logits: the peak is there.</summary>
    public bool PeakIsGeneration { get; }

    /// <summary>The plan the trained forward sees: the micro-batch in sequences (chosen and rejected both run, <see cref="ObjectiveChoice.SequencesPerExample"/>).</summary>
    public static TrainingPlan ForwardPlan(TrainingPlan plan) => plan.Objective.SequencesPerExample == 1 ? plan
        : plan with { Training = plan.Training with { MicroBatchSize = plan.Training.MicroBatchSize * plan.Objective.SequencesPerExample } };

    /// <summary>
    /// A reward model's score head (transformers *ForSequenceClassification: <c>score = nn.Linear(h, num_labels)</c>)
    /// gives b x s x num_labels logits, pooled at the last token: the b x s x V logits of the LM head are never made.
    /// Counted as the fp32 scores and their gradient (8 B per value).
    /// </summary>
    public static double ScoreHeadBytes(TrainingPlan forwardPlan, out string formula)
    {
        formula = $"8 B x b s x {forwardPlan.Objective.NumLabels} (score head; no LM-head logits)";
        return 8.0 * forwardPlan.Training.MicroBatchSize * forwardPlan.Training.SequenceLength * forwardPlan.Objective.NumLabels;
    }

    /// <summary>
    /// Bytes of the K and V cache for <paramref name="sequences"/> sequences of <paramref name="tokens"/> tokens: every
    /// full-attention block keeps 2 x kv_heads x head_dim values per token in the model dtype, a sliding-window block at
    /// most its window (transformers DynamicSlidingWindowLayer), a linear-attention or state-space block a fixed state
    /// that is small beside it (not counted). Multi-head latent attention is cached decompressed by transformers, per head.
    /// </summary>
    public static double KvCacheBytes(TrainingPlan plan, int sequences, int tokens)
    {
        var arch = plan.Model.Architecture;
        double perToken = (double)arch.KeyValueHeads * (arch.QueryKeyHeadDimension + arch.ValueHeadDimension) * Precision.Bytes(plan.Model.Dtype);
        var window = Math.Min(tokens, arch.SlidingWindow ?? tokens);
        return sequences * perToken * ((double)arch.FullAttentionLayers * tokens + (double)arch.SlidingWindowLayers * window);
    }

    /// <summary>A frozen copy of the base: block linears in the reference's storage (its own quantization, else the policy base's), the rest in the dtype.</summary>
    public static double FrozenCopyBytes(TrainingPlan plan, ParameterBudget budget, Quantization? quantization)
    {
        var dtypeBytes = (double)Precision.Bytes(plan.Model.Dtype);
        double? blockBytes = quantization is { } q
            ? q == Quantization.None ? null : Precision.QuantizedBytes(q)
            : plan.Model.Stored?.BytesPerWeight ?? (plan.Model.Quantization != Quantization.None ? Precision.QuantizedBytes(plan.Model.Quantization) : null);
        return blockBytes is { } quantized
            ? budget.BlockLinearWeights * quantized + (budget.BaseParameters - budget.BlockLinearWeights) * dtypeBytes
            : budget.BaseParameters * dtypeBytes;
    }

    private static string ReferenceFormula(TrainingPlan plan, ParameterBudget budget, ReferenceSource reference, int shard) => reference switch
    {
        ReferenceSource.Copy => $"frozen copy: {budget.BaseParameters:N0} base weights in the base's storage{(shard > 1 ? " / N (ZeRO-3)" : "")}",
        ReferenceSource.AdapterDisabled => "the base with the adapter disabled (no copy; an extra forward)",
        ReferenceSource.Precomputed => "log-probs precomputed before training (precompute_ref_log_probs)",
        _ => $"{plan.Objective.Type.ToConfigName()} has no reference model" + (plan.Objective.Type == TrainingObjective.Grpo ? " (beta = 0)" : ""),
    };

    private static long Round(double bytes) => ByteSizes.ToBytes(bytes);
}
