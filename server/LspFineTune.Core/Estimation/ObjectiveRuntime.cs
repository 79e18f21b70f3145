using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Runtime a preference or RL objective adds to the policy's training step, as separate terms:
/// <list type="bullet">
/// <item><c>reference_forward</c>: forwards without gradients (the reference over the pair, KTO's KL sequences, PPO's reward
/// model), 2 FLOPs per matmul weight per token plus attention (the forward third of the 6P of training), at the same
/// achieved rate as the step's compute.</item>
/// <item><c>generation</c> (GRPO/PPO): the prompt's prefill at the achieved FLOP rate, then one decoding step per completion
/// token. A decoding step is memory-bandwidth-bound: it reads every weight once for the whole batch of sequences and
/// each sequence's KV cache (on average half its final length), unless the batch's matmul FLOPs take longer
/// (the roofline of Williams et al. 2009; "LLM inference is memory-bound at small batch", Pope et al. 2022 §2).
/// The same bound holds for a vLLM engine, colocated or serving from other GPUs (TRL waits for its completions).</item>
/// <item><c>dora_weight_norm</c>: DoRA's per-forward weight norm (<see cref="DoraCost"/>).</item>
/// </list>
/// </summary>
public static class ObjectiveRuntime
{
    public static IReadOnlyList<RuntimeTerm> Terms(TrainingPlan plan, ParameterBudget budget, double tokensPerSequence, double flopsPerSecond, double bytesPerSecond)
    {
        var terms = new List<RuntimeTerm>();
        var objective = plan.Objective;
        var training = plan.Training;
        var forwardPerToken = ForwardFlopsPerToken(plan, budget, tokensPerSequence);

        var noGrad = objective.NoGradForwardsPerExample(plan.Method.Type);
        if (noGrad > 0)
        {
            var sequences = training.MicroBatchSize * noGrad * training.GradientAccumulationSteps;
            terms.Add(new RuntimeTerm("reference_forward", sequences * tokensPerSequence * forwardPerToken / flopsPerSecond,
                $"{sequences:0.#} sequences x {tokensPerSequence:N0} tokens x {forwardPerToken / 1e9:0.#} GFLOP/token forward without gradients ({objective.Reference(plan.Method.Type).ToConfigName()} reference{(objective.Type == TrainingObjective.Kto ? ", KL sequences" : "")}{(objective.Type == TrainingObjective.Ppo ? ", reward model" : "")})"));
        }

        if (objective.Generates)
        {
            var generation = objective.Generation;
            var batch = Math.Max(1, generation.SequencesPerGpu);
            // Completions one GPU generates per optimizer step, in generate calls of `batch` sequences.
            var calls = Math.Max(1.0, training.MicroBatchSize * (double)training.GradientAccumulationSteps / batch);
            var prefill = batch * (double)generation.PromptLength * ForwardFlopsPerToken(plan, budget, generation.PromptLength) / flopsPerSecond;
            var weightBytes = WeightBytes(plan, budget);
            var kvPerSequenceToken = ObjectiveMemory.KvCacheBytes(plan, 1, 1);
            var meanContext = generation.PromptLength + generation.MaxCompletionLength / 2.0;
            var memoryPerStep = (weightBytes + batch * meanContext * kvPerSequenceToken) / bytesPerSecond;
            var computePerStep = batch * ForwardFlopsPerToken(plan, budget, meanContext) / flopsPerSecond;
            var decode = generation.MaxCompletionLength * Math.Max(memoryPerStep, computePerStep);
            terms.Add(new RuntimeTerm("generation", calls * (prefill + decode),
                $"{calls:0.#} x ({batch} prompts' prefill + {generation.MaxCompletionLength:N0} decoding steps, each reading {ByteSizes.Format(weightBytes)} of weights and the KV cache)"
                + (generation.Engine == GenerationEngine.VllmServer ? " on the vLLM server's GPUs" : "")));
        }

        var dora = DoraCost.WeightNormSeconds(plan, budget, flopsPerSecond, bytesPerSecond);
        if (dora > 0)
            terms.Add(new RuntimeTerm("dora_weight_norm", dora, "per forward: B·A (2 r i o FLOPs) and the row norms of W + sBA (about 5 passes of the weights through memory)"));
        return terms;
    }

    /// <summary>Forward FLOPs per token: 2 per active matmul weight of the blocks, adapters and head, plus attention at this context.</summary>
    public static double ForwardFlopsPerToken(TrainingPlan plan, ParameterBudget budget, double context)
    {
        var structure = budget.Structure;
        var blockMatmul = (double)structure.LayerLinears.Sum(l => l.ActiveParameters * structure.LayersOf(l));
        var head = plan.Objective.HasLanguageModelHead ? structure.HeadMatmulParameters : (double)structure.Architecture.HiddenSize * plan.Objective.NumLabels;
        return 2 * (blockMatmul + head + budget.AdapterParameters) + TrainingFlops.AttentionForward(plan.Training.Attention, structure.Architecture, context);
    }

    /// <summary>Bytes a decoding step reads for the weights: the base in its storage plus the adapters.</summary>
    private static double WeightBytes(TrainingPlan plan, ParameterBudget budget) =>
        ObjectiveMemory.FrozenCopyBytes(plan, budget, null) + budget.AdapterParameters * (double)Precision.AdapterElementBytes(plan);
}
