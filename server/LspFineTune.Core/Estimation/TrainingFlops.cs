using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// FLOPs per trained token. A matmul with P weights costs 2P FLOPs per token forward; backward costs 2P for the
/// input gradient and 2P for the weight gradient, hence 6P for full training (Kaplan et al. 2020; EleutherAI
/// Transformer Math: C = 6PD). Frozen weights skip their weight gradient (LoRA: 4P + 6 x adapter params);
/// full checkpointing repeats the block forward (+2P, Korthikanti et al. §5); zeroth-order training runs two
/// forward passes and no backward (MeZO). Attention adds 4 s_ctx a d per token per layer forward for QK^T and AV
/// (PaLM appendix B), where sdpa and flash skip the masked half of causal attention and eager computes it all.
/// </summary>
public static class TrainingFlops
{
    public static double PerToken(TrainingPlan plan, ParameterBudget budget, double tokensPerSequence)
    {
        var structure = budget.Structure;
        var arch = structure.Architecture;
        // Matmul parameters a token passes through: the routed experts of each block and the head (the input
        // embedding is a lookup, not a matmul).
        var blockMatmul = (double)structure.LayerLinears.Sum(l => l.ActiveParameters * structure.LayersOf(l));
        // A reward model's score head is h x num_labels, not the V x h LM head.
        var headMatmul = plan.Objective.HasLanguageModelHead ? structure.HeadMatmulParameters : (double)arch.HiddenSize * plan.Objective.NumLabels;
        var attentionForward = AttentionForward(plan.Training.Attention, arch, tokensPerSequence);
        var adapter = (double)budget.AdapterParameters;

        var blockForward = 2 * blockMatmul + attentionForward;
        var forward = blockForward + 2 * headMatmul + 2 * adapter;
        switch (plan.Method.Type)
        {
            case FineTuneMethod.ZerothOrder:
                return 2 * forward;
            case FineTuneMethod.Lora:
            {
                // Input gradients through every matmul and attention, weight gradients for the adapters only (and for
                // a modules_to_save head copy); DoRA's recomputed base matmul under dropout.
                var backward = 2 * blockMatmul + 2 * attentionForward + 2 * headMatmul + 4 * adapter + 2 * budget.SavedHeadParameters;
                return forward + backward + Recompute(plan, blockForward) + DoraCost.FlopsPerToken(plan, budget) + HeadRecompute(plan, headMatmul);
            }
            default:
            {
                var backward = 2 * forward;
                return forward + backward + Recompute(plan, blockForward) + HeadRecompute(plan, headMatmul);
            }
        }
    }

    /// <summary>
    /// QK^T and AV per token, forward: 2 s_ctx a (d_qk + d_v) per attention block (4 s_ctx a d when both head widths
    /// are d). Full causal blocks: sdpa and flash skip the masked half (s_ctx = s/2), eager computes all s.
    /// Sliding-window blocks: flash skips outside the window (the mean of min(t, w) over positions t: w - w^2/2s when
    /// s > w); sdpa gets an explicit mask there and eager computes everything, so both pay s. Linear-attention and
    /// state-space blocks have no quadratic term; their projections are in the block matmuls.
    /// transformers drops the sliding mask while the sequence fits in the window, so sdpa takes the causal path then.
    /// </summary>
    public static double AttentionForward(AttentionKind kind, Catalogs.ModelArchitecture arch, double s)
    {
        var perContext = 2.0 * arch.NumAttentionHeads * (arch.QueryKeyHeadDimension + arch.ValueHeadDimension);
        var full = kind == AttentionKind.Eager ? s : s / 2;
        // transformers drops the sliding mask (is_causal path) while the sequence fits in the window.
        var w = arch.SlidingWindow ?? int.MaxValue;
        var windowed = kind switch
        {
            AttentionKind.Flash => s <= w ? s / 2 : w - (double)w * w / (2 * s),
            AttentionKind.Sdpa => s <= w ? s / 2 : s,
            _ => s,
        };
        return perContext * (arch.FullAttentionLayers * full + arch.SlidingWindowLayers * windowed);
    }

    /// <summary>
    /// Loss kernels that recompute the head's logits in backward: cut cross-entropy (its backward kernel recomputes each
    /// logit block from the embeddings and classifier, cce_backward.py) and TRL's chunked_nll (each chunk runs under
    /// torch.utils.checkpoint): one more head forward, 2 x head parameters per token. Liger computes the gradients inside
    /// its forward and the chunked losses keep their logits, so they repeat nothing.
    /// </summary>
    private static double HeadRecompute(TrainingPlan plan, double headMatmul) =>
        plan.Savers.Loss is LossKernel.CutCrossEntropy or LossKernel.ChunkedNll ? 2 * headMatmul : 0;

    /// <summary>Checkpointed blocks repeat their forward in backward: all of them, or floor(L / k) under selective checkpointing.</summary>
    private static double Recompute(TrainingPlan plan, double blockForward)
    {
        var layers = plan.Model.Structure.Layers;
        return layers > 0 ? blockForward * ActivationMemory.CheckpointedBlocks(plan, layers) / layers : 0;
    }
}
