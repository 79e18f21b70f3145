using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>One named part of the bytes a transformer block saves for backward, per token.</summary>
public sealed record ActivationPart(string Name, double BytesPerToken, string Formula);

/// <summary>
/// Activation memory: the tensors autograd saves during forward for backward, derived op by op for Hugging Face
/// implementations, the way Korthikanti et al. 2022 (§4.1) derive sbh(34 + 5as/h) for a GPT-3 block:
/// re-derived here for RMSNorm (computed in fp32 by HF), gated MLPs (SwiGLU/GeGLU), GQA, MoE routing and no dropout.
/// With the GPT-3 block's assumptions the same derivation gives Korthikanti's 34sbh + 5as^2b (see the tests).
/// Symbols: b micro-batch, s sequence, h hidden, a heads, g kv heads, d head dim, f MLP width, k routed experts,
/// B bytes per activation value (2 for bf16/fp16, 4 for fp32).
/// </summary>
public sealed class ActivationMemory
{
    public ActivationMemory(TrainingPlan plan, ParameterBudget budget)
    {
        var structure = budget.Structure;
        var arch = structure.Architecture;
        var training = plan.Training;
        double h = arch.HiddenSize, f = arch.IntermediateSize, a = arch.NumAttentionHeads, g = arch.KeyValueHeads;
        double d = arch.QueryKeyHeadDimension, s = training.SequenceLength, k = arch.ActiveExperts;
        // Hybrid and partly-sparse models differ per block; the parts below are per block on average over the L blocks.
        double L = Math.Max(1, arch.NumHiddenLayers);
        double attentionShare = (L - arch.LinearMixerLayers) / L, sparseShare = arch.SparseLayers / L;
        double B = Precision.Bytes(plan.Model.Dtype);
        double qWidth = a * d;
        var parts = new List<ActivationPart>();

        // Norms. HF's RMSNorm upcasts its input to fp32 (saved for pow/mul: 4h) and saves the normalised value in
        // the activation dtype (Bh); a LayerNorm saves its input (Bh) and a per-token mean and rstd (8 B).
        var norms = NormStyle.NormsPerLayer(structure);
        var normBytes = NormStyle.UsesRmsNorm(arch) ? (B == 4 ? 8 * h : 4 * h + B * h) : B * h + 8;
        parts.Add(new("norms", norms * normBytes, NormStyle.UsesRmsNorm(arch) ? $"{norms} RMSNorm x (4h + Bh)" : $"{norms} LayerNorm x (Bh + 8)"));

        // Attention. The q/k/v projections share one saved input (Bh). The attention saves q, k and v; HF's sdpa and
        // eager paths repeat k/v to all heads first (repeat_kv), flash-attention-2 keeps g kv heads. The fused
        // kernels (sdpa, flash) also save their output and log-sum-exp for backward; eager's AV matmul output is not
        // saved. The output projection saves its own input, a contiguous copy of the transposed output, except after
        // flash-attention, whose output layout makes that reshape a view of the saved output.
        var kvWidth = training.Attention == AttentionKind.Flash ? g * d : qWidth;
        parts.Add(new("attention_input", B * h, "Bh"));
        parts.Add(new("q_k_v", B * (qWidth + 2 * kvWidth), training.Attention == AttentionKind.Flash ? "B(ad + 2gd)" : "B(3ad), k/v repeated to all heads"));
        if (training.Attention != AttentionKind.Eager)
            parts.Add(new("attention_output", B * qWidth + 4 * a, "B ad + 4a (kernel output and log-sum-exp)"));
        if (training.Attention != AttentionKind.Flash)
            parts.Add(new("output_projection_input", B * qWidth, "B ad"));
        if (training.Attention == AttentionKind.Eager)
        {
            // Eager attention materialises the s x s scores: HF's softmax runs in fp32 and saves its output (4as),
            // then the probabilities are cast back and saved by the matmul with v (Bas). Korthikanti's 5as counts
            // 2as softmax + 1as dropout mask + 2as dropout output for a GPT-3 block with attention dropout.
            parts.Add(new("attention_scores", attentionShare * (4 + B) * a * s, attentionShare < 1 ? "(4 + B) a s in the attention blocks" : "(4 + B) a s (fp32 softmax + cast probabilities)"));
        }

        // MLP. Gated (SwiGLU/GeGLU): input (shared by gate and up), gate output (activation input), activation
        // output, up output and the product (down input): Bh + 4Bf. Plain GeLU: input, fc1 output, fc2 input: Bh + 2Bf.
        double MlpBytes(double width) => structure.GatedMlp ? 4 * B * width : 2 * B * width;
        var mlpFormula = structure.GatedMlp ? "Bh + 4Bf" : "Bh + 2Bf";
        var mlpInput = structure.ParallelAttentionAndMlp ? 0 : B * h;
        if (sparseShare < 1)
            parts.Add(new("mlp", (1 - sparseShare) * (mlpInput + MlpBytes(f)), sparseShare > 0 ? $"{mlpFormula} in the dense blocks" : mlpFormula));
        if (sparseShare > 0)
        {
            // Each token is copied to its k experts (gathered input, Bh each), runs their MLPs, and their outputs are
            // saved for the routing-weight multiply (Bh each); the router saves fp32 logits for its softmax (4E); a shared
            // expert runs on every token like a dense MLP of its width.
            var expertWidth = arch.ExpertIntermediateSize;
            var shared = arch.SharedExpertIntermediateSize is > 0 and var sharedWidth ? MlpBytes(sharedWidth) : 0;
            parts.Add(new("moe_mlp", sparseShare * (k * (2 * B * h + MlpBytes(expertWidth)) + B * h + 4 * arch.Experts + shared),
                $"k(2Bh + {(structure.GatedMlp ? "4Bf" : "2Bf")}) + Bh + 4E{(shared > 0 ? " + shared expert" : "")}{(sparseShare < 1 ? " in the MoE blocks" : "")}"));
        }

        // LoRA: each adapted linear saves the dropout mask (1 B) and dropped input (B) when dropout > 0, and the
        // rank-r intermediate (Br) for lora_B. Without dropout the input is shared with the base layer.
        if (plan.Method.Type == FineTuneMethod.Lora)
        {
            var rank = plan.Method.Lora.Rank;
            var withDropout = plan.Method.Lora.Dropout > 0;
            var loraBytes = budget.AdaptedLinears.Sum(l => structure.LayersOf(l) / L *
                ((withDropout ? (1 + B) * l.InFeatures : 0) + B * rank * (double)l.ActiveCopies));
            parts.Add(new("lora_adapters", loraBytes, withDropout ? "per adapted linear: (1 + B) in + B r" : "per adapted linear: B r"));
            if (plan.Method.Lora.UseDora)
                parts.Add(DoraCost.ActivationPart(plan, budget, B));
        }

        LayerParts = parts;
        LayerBytesPerToken = parts.Sum(p => p.BytesPerToken);
        // After the last block: the final norm and the head's input (the head output is counted in logits_and_loss).
        var finalBytesPerToken = normBytes + B * h;
        var tokens = (double)training.MicroBatchSize * training.SequenceLength;
        var layers = structure.Layers;

        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            // Forward passes only, under no_grad: nothing is kept between blocks; the working set is at most one
            // block's intermediates plus the residual stream (MeZO, Malladi et al. 2023: inference-level memory).
            CheckpointBytes = 0;
            Bytes = tokens * (LayerBytesPerToken + B * h);
            Formula = "b s (one block's working set + Bh): forward only";
        }
        else if (training.GradientCheckpointing)
        {
            // Full recomputation per block (HF gradient_checkpointing): each block keeps its input (Bh, Korthikanti's
            // 2sbh), and during backward one block is recomputed with all its activations alive.
            CheckpointBytes = tokens * layers * B * h;
            Bytes = CheckpointBytes + tokens * (LayerBytesPerToken + finalBytesPerToken);
            Formula = "b s (L Bh + one block + final norm and head input)";
        }
        else
        {
            CheckpointBytes = 0;
            Bytes = tokens * (layers * LayerBytesPerToken + finalBytesPerToken);
            Formula = "b s (L x per-block + final norm and head input)";
        }
    }

    public IReadOnlyList<ActivationPart> LayerParts { get; }

    /// <summary>Bytes one block saves per token without checkpointing.</summary>
    public double LayerBytesPerToken { get; }

    /// <summary>Per-layer inputs kept by gradient checkpointing (0 without it).</summary>
    public double CheckpointBytes { get; }

    public double Bytes { get; }

    public string Formula { get; }
}
