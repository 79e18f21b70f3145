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
        // Tensor parallelism (Korthikanti et al. 2022 §4.2.2, without sequence parallelism): the attention heads and the
        // MLP width are split over t GPUs, so every tensor inside attention and MLP is 1/t per GPU, while the norms and
        // the inputs of attention and MLP (the replicated residual stream) stay whole: sbh(10 + 24/t + 5as/(ht)).
        double t = ParallelDegrees.Tensor(plan);
        var perT = t > 1 ? $" / {t:0}" : "";
        var parts = new List<ActivationPart>();

        // Norms. HF's RMSNorm upcasts its input to fp32 (saved for pow/mul: 4h) and saves the normalised value in
        // the activation dtype (Bh); a LayerNorm saves its input (Bh) and a per-token mean and rstd (8 B).
        // Liger's RMSNorm (liger_kernel/ops/rms_norm.py at ead96b6, LigerRMSNormFunction.forward) saves only its input X in
        // its own dtype and an fp32 rstd per row: Bh + 4.
        var norms = NormStyle.NormsPerLayer(structure);
        var ligerNorm = plan.Savers.LigerRmsNorm && NormStyle.UsesRmsNorm(arch);
        var normBytes = ligerNorm ? B * h + 4 : NormStyle.UsesRmsNorm(arch) ? (B == 4 ? 8 * h : 4 * h + B * h) : B * h + 8;
        parts.Add(new("norms", norms * normBytes, ligerNorm ? $"{norms} Liger RMSNorm x (Bh + 4)" : NormStyle.UsesRmsNorm(arch) ? $"{norms} RMSNorm x (4h + Bh)" : $"{norms} LayerNorm x (Bh + 8)"));

        // Attention. The q/k/v projections share one saved input (Bh). The attention saves q, k and v; HF's sdpa and
        // eager paths repeat k/v to all heads first (repeat_kv), flash-attention-2 keeps g kv heads. The fused
        // kernels (sdpa, flash) also save their output and log-sum-exp for backward; eager's AV matmul output is not
        // saved. The output projection saves its own input, a contiguous copy of the transposed output, except after
        // flash-attention, whose output layout makes that reshape a view of the saved output.
        var kvWidth = training.Attention == AttentionKind.Flash ? g * d : qWidth;
        parts.Add(new("attention_input", B * h, "Bh"));
        parts.Add(new("q_k_v", B * (qWidth + 2 * kvWidth) / t, (training.Attention == AttentionKind.Flash ? "B(ad + 2gd)" : "B(3ad), k/v repeated to all heads") + perT));
        if (training.Attention != AttentionKind.Eager)
            parts.Add(new("attention_output", (B * qWidth + 4 * a) / t, "B ad + 4a (kernel output and log-sum-exp)" + perT));
        if (training.Attention != AttentionKind.Flash)
            parts.Add(new("output_projection_input", B * qWidth / t, "B ad" + perT));
        if (training.Attention == AttentionKind.Eager)
        {
            // Eager attention materialises the s x s scores: HF's softmax runs in fp32 and saves its output (4as),
            // then the probabilities are cast back and saved by the matmul with v (Bas). Korthikanti's 5as counts
            // 2as softmax + 1as dropout mask + 2as dropout output for a GPT-3 block with attention dropout. In fp32 the
            // cast is a no-op (`.to(float32)` returns the same tensor), so the matmul saves the softmax output itself: 4as.
            var scoreBytes = B == 4 ? 4 : 4 + B;
            var scoreFormula = B == 4 ? "4as (fp32 softmax output, also the probabilities)" : "(4 + B) a s (fp32 softmax + cast probabilities)";
            parts.Add(new("attention_scores", attentionShare * scoreBytes * a * s / t, (attentionShare < 1 ? $"{scoreBytes} a s in the attention blocks" : scoreFormula) + perT));
        }

        // MLP. Gated (SwiGLU/GeGLU): input (shared by gate and up), gate output (activation input), activation
        // output, up output and the product (down input): Bh + 4Bf. Plain GeLU: input, fc1 output, fc2 input: Bh + 2Bf.
        // Liger's SwiGLU/GeGLU (ops/swiglu.py, LigerSiLUMulFunction) saves the gate and up outputs and recomputes the
        // activation in backward: the activation's output is not kept, 3Bf for the dense MLP.
        var ligerMlp = plan.Savers.LigerGatedMlp && structure.GatedMlp;
        double MlpBytes(double width) => structure.GatedMlp ? 4 * B * width : 2 * B * width;
        double DenseMlpBytes(double width) => ligerMlp ? 3 * B * width : MlpBytes(width);
        var mlpFormula = ligerMlp ? "Bh + 3Bf (Liger SwiGLU)" : structure.GatedMlp ? "Bh + 4Bf" : "Bh + 2Bf";
        var mlpInput = structure.ParallelAttentionAndMlp ? 0 : B * h;
        if (sparseShare < 1)
            parts.Add(new("mlp", (1 - sparseShare) * (mlpInput + DenseMlpBytes(f) / t), (sparseShare > 0 ? $"{mlpFormula} in the dense blocks" : mlpFormula) + (t > 1 ? $", the f terms / {t:0}" : "")));
        if (sparseShare > 0)
        {
            // Each token is copied to its k experts (gathered input, Bh each), runs their MLPs, and their outputs are
            // saved for the routing-weight multiply (Bh each); the router saves fp32 logits for its softmax (4E); a shared
            // expert runs on every token like a dense MLP of its width.
            var expertWidth = arch.ExpertIntermediateSize;
            var shared = arch.SharedExpertIntermediateSize is > 0 and var sharedWidth ? MlpBytes(sharedWidth) : 0;
            parts.Add(new("moe_mlp", sparseShare * (k * (2 * B * h + MlpBytes(expertWidth) / t) + B * h + 4 * arch.Experts + shared / t),
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
        // Context parallelism (ring attention or Ulysses) gives each GPU b s / cp tokens of every sequence; the attention
        // exchange buffers (one other shard's K and V in flight) live only inside the attention op and are not kept.
        var tokens = LogitsMemory.TokensPerGpu(plan);
        var layers = structure.Layers;
        var savers = plan.Savers;
        var cpText = ParallelDegrees.Context(plan) > 1 ? $" (b s / {ParallelDegrees.Context(plan)} tokens per GPU)" : "";

        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            // Forward passes only, under no_grad: nothing is kept between blocks; the working set is at most one
            // block's intermediates plus the residual stream (MeZO, Malladi et al. 2023: inference-level memory).
            CheckpointBytes = 0;
            Bytes = tokens * (LayerBytesPerToken + B * h);
            Formula = "b s (one block's working set + Bh): forward only";
            return;
        }
        var checkpointed = CheckpointedBlocks(plan, layers);
        if (checkpointed > 0)
        {
            // Checkpointed blocks keep only their input (Bh, Korthikanti's 2sbh; full recomputation when every block is
            // checkpointed, HF gradient_checkpointing), the others everything; during backward one checkpointed block is
            // recomputed with all its activations alive. With offloading the inputs go to host memory as they are saved:
            // the GPU keeps the ones still being copied (OffloadActivations' forward stash, max_fwd_stash_size = 5 tensors,
            // one block input each; a copy on the compute stream keeps one).
            var resident = Math.Min(checkpointed, ResidentCheckpoints(savers.Offload));
            CheckpointBytes = tokens * resident * B * h;
            StoredBlockBytes = tokens * (layers - checkpointed) * LayerBytesPerToken;
            OffloadedBytes = tokens * (checkpointed - resident) * B * h;
            HostCopyBytes = savers.Offload == ActivationOffload.None ? 0 : tokens * checkpointed * B * h;
            Bytes = CheckpointBytes + StoredBlockBytes + tokens * (LayerBytesPerToken + finalBytesPerToken);
            var inputs = savers.Offload == ActivationOffload.None ? $"{(checkpointed == layers ? "L" : $"{checkpointed}")} Bh"
                : $"{resident} Bh on the GPU ({checkpointed - resident} offloaded to host memory)";
            var stored = checkpointed < layers ? $" + {layers - checkpointed} full blocks (every {savers.CheckpointEvery}th checkpointed)" : "";
            Formula = $"b s ({inputs}{stored} + one block + final norm and head input){cpText}";
        }
        else if (savers.Offload != ActivationOffload.None)
        {
            // Offloading without checkpointing (TRL allows it): every saved tensor over 1 KB goes to host memory; the
            // stash of five tensors in flight is at most about one block's saved tensors.
            CheckpointBytes = 0;
            OffloadedBytes = tokens * (layers - 1) * LayerBytesPerToken;
            HostCopyBytes = tokens * layers * LayerBytesPerToken;
            Bytes = tokens * (LayerBytesPerToken + finalBytesPerToken);
            Formula = $"b s (one block in flight + final norm and head input; {layers - 1} blocks' activations offloaded to host memory){cpText}";
        }
        else
        {
            CheckpointBytes = 0;
            Bytes = tokens * (layers * LayerBytesPerToken + finalBytesPerToken);
            Formula = $"b s (L x per-block + final norm and head input){cpText}";
        }
    }

    /// <summary>
    /// Blocks whose input alone is saved: all of them under full checkpointing, every k-th under torchtune's selective
    /// layer checkpointing (training/activations.py at bd2a0fc: a running count wraps the block when count % k == 0, so
    /// floor(L / k) blocks), none without checkpointing.
    /// </summary>
    public static int CheckpointedBlocks(TrainingPlan plan, int layers)
    {
        if (!plan.Training.GradientCheckpointing || plan.Method.Type == FineTuneMethod.ZerothOrder)
            return 0;
        var every = plan.Savers.CheckpointEvery;
        return every >= 2 ? layers / every : layers;
    }

    /// <summary>
    /// Checkpoints on the GPU at a time under offloading: OffloadActivations' forward stash (trl/models/activation_offloading.py
    /// at f2cd577, copied from torchtune: max_fwd_stash_size = 5) with the side stream; one when the copy runs on the
    /// compute stream (unsloth's offloaded checkpointing moves each block input with <c>.to("cpu", non_blocking=True)</c>).
    /// </summary>
    public static int ResidentCheckpoints(ActivationOffload offload) => offload switch
    {
        ActivationOffload.Streams => 5,
        ActivationOffload.Synchronous => 1,
        _ => int.MaxValue,
    };

    public IReadOnlyList<ActivationPart> LayerParts { get; }

    /// <summary>Bytes one block saves per token without checkpointing.</summary>
    public double LayerBytesPerToken { get; }

    /// <summary>Block inputs kept on the GPU by checkpointing (0 without it).</summary>
    public double CheckpointBytes { get; }

    /// <summary>Selective checkpointing: the activations of the blocks that are not checkpointed (0 otherwise).</summary>
    public double StoredBlockBytes { get; }

    /// <summary>What stays saved for backward on the GPU at the loss, before any block is recomputed.</summary>
    public double ResidentBytes => CheckpointBytes + StoredBlockBytes;

    /// <summary>Saved activations moved to host memory by activation offloading (per GPU).</summary>
    public double OffloadedBytes { get; }

    /// <summary>Bytes each micro-batch copies to the host (and back in backward) under activation offloading.</summary>
    public double HostCopyBytes { get; }

    public double Bytes { get; }

    public string Formula { get; }
}
