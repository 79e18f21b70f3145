using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// The logits and cross-entropy spike, b x s x V values (N below), which causes many real OOMs at large vocabularies,
/// per loss kernel. Each kernel's figure is what exists at its own peak, read from its source (B: bytes of the 16-bit
/// activation dtype; n: chunks; c: tokens per chunk; h: hidden size; T = b s tokens on this GPU):
/// <list type="bullet">
/// <item>Standard (Hugging Face ForCausalLMLoss): the logits are upcast to fp32 before cross_entropy (trl#156,
/// unsloth#4330: 8192 x 248,320 x 4 B = 7.68 GB). Forward keeps the 16-bit logits, their fp32 copy and the fp32
/// log-probabilities log_softmax saves: (B + 4 + 4) bytes per value. The first backward step holds the saved
/// log-probabilities, their gradient and the gradient w.r.t. the fp32 logits: 12 bytes per value, the peak. Checked
/// against NeMo Automodel#2336: Qwen2.5 (V = 151,936), s = 4096: "~5-7 GiB per forward".</item>
/// <item>Chunked (<see cref="ChunkedBytesPerValue"/>), TRL's chunked NLL, Liger's fused linear cross-entropy and cut
/// cross-entropy: see their methods.</item>
/// </list>
/// Context parallelism gives each GPU T = b s / cp tokens. Tensor parallelism does not split the logits here: Hugging
/// Face's tp_plan gathers the head's output to every rank (<c>lm_head: colwise_rep</c>), so the full vocabulary is
/// charged (an over-estimate where torchtune's loss_parallel shards it).
/// </summary>
public static class LogitsMemory
{
    public static double Bytes(TrainingPlan plan, out string formula)
    {
        var savers = plan.Savers;
        var tokens = TokensPerGpu(plan);
        var arch = plan.Model.Architecture;
        double vocab = arch.VocabSize, hidden = arch.HiddenSize;
        var values = tokens * vocab;
        var b = Precision.Bytes(plan.Model.Dtype);
        var perGpu = ParallelDegrees.Context(plan) > 1 ? $" (T = b s / {ParallelDegrees.Context(plan)} context-parallel)" : "";
        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            // Forward only: logits, their fp32 copy and the log-probabilities coexist for a moment.
            var forwardBytes = b == 4 ? 8 : b + 8;
            formula = $"{forwardBytes} B x b s V (forward only)";
            return forwardBytes * values;
        }
        // A full fine-tune trains the head (tied or not); adapters leave it frozen.
        var headTrained = plan.Method.Type == FineTuneMethod.Full;
        switch (savers.Loss)
        {
            case LossKernel.Chunked:
            {
                var n = Math.Max(1, savers.LossChunks);
                var perValue = ChunkedBytesPerValue(b, n, savers.ChunkSplit, savers.LossCompiled);
                formula = $"{perValue:0.###} B x T V (chunked cross-entropy, {n} chunks, {ChunkText(savers.ChunkSplit)}{(savers.LossCompiled ? ", compiled" : "")}){perGpu}";
                return perValue * values;
            }
            case LossKernel.ChunkedNll:
            {
                var bytes = ChunkedNllBytes(b, tokens, vocab, hidden, headTrained);
                formula = $"{(b == 4 ? 0 : 4) + (headTrained ? 4 : 0)} B x V h (fp32 head copy{(headTrained ? " and a chunk's weight gradient" : "")}) + 16 B x {ChunkedNllTokens} V (one checkpointed chunk) + 2 x {b} B x T h (reordered hidden and its gradient){perGpu}";
                return bytes;
            }
            case LossKernel.LigerFused:
            {
                var chunk = LigerChunkTokens(tokens, vocab, hidden);
                var bytes = LigerFusedBytes(b, tokens, vocab, hidden, headTrained);
                formula = $"{b} B x T h (grad of hidden) + {b} B x {chunk:N0} x V (one chunk's logits) + 4 B x T{(headTrained ? $" + {(b == 4 ? "4" : $"({b} + 4)")} B x V h (the head-gradient product and its fp32 copy)" : "")} (Liger fused linear cross-entropy){perGpu}";
                return bytes;
            }
            case LossKernel.CutCrossEntropy:
                formula = $"4 B x T (log-sum-exp) + {b} B x T h (grad of hidden): cut cross-entropy never writes the logits{perGpu}";
                return CutCrossEntropyBytes(b, tokens, hidden);
            default:
                formula = $"12 B x T V (fp32 log-probs + 2 fp32 gradients in the first backward step){perGpu}";
                return 12 * values;
        }
    }

    /// <summary>Tokens whose logits one GPU computes: the micro-batch, divided by the context-parallel degree.</summary>
    public static double TokensPerGpu(TrainingPlan plan) =>
        (double)plan.Training.MicroBatchSize * Math.Ceiling(plan.Training.SequenceLength / (double)ParallelDegrees.Context(plan));

    /// <summary>
    /// Bytes per logit value of a chunked cross-entropy at its peak, with B the 16-bit dtype's bytes and n chunks. The
    /// fp32 upcast of a chunk costs u = 4 B per value (0 when the logits are already fp32).
    /// Compiled (torchtune PR #1390: "compile the upcasting with the loss"): inductor's partitioner saves each chunk's
    /// 16-bit input and its per-row log-sum-exp, not fp32 log-probabilities, and backward writes a 16-bit gradient per
    /// chunk. So all 16-bit logits (B N) plus one chunk's gradient (B N / n) at the first backward chunk; where the chunks
    /// are views of one logits tensor (axolotl's patch splits the model's full logits), autograd's SplitBackward
    /// concatenates all chunk gradients into a full gradient: 2 B N.
    /// Eager: log_softmax saves fp32 log-probabilities of every chunk (4 N in all). With the 16-bit chunks still alive
    /// (the model returned them, torchtune CEWithChunkedOutputLoss) forward ends at (B + 4 + u/n) N; where the loss runs the
    /// head itself (LinearCrossEntropyLoss) a chunk's 16-bit logits and fp32 copy exist only while it is computed:
    /// (4 + (B + u)/n) N. The first backward chunk adds its log-prob and logit gradients: (4 + 8/n) N.
    /// </summary>
    public static double ChunkedBytesPerValue(double b, int n, ChunkSplit split, bool compiled)
    {
        var upcast = b == 4 ? 0 : 4;
        if (compiled)
            return split == ChunkSplit.LogitsViews ? 2 * b : b + b / n;
        var backward = 4 + 8.0 / n;
        return split switch
        {
            ChunkSplit.Hidden => Math.Max(4 + (b + upcast) / n, backward),
            ChunkSplit.HeadOutputs => Math.Max(b + 4 + upcast / (double)n, backward),
            // Views of the full logits: as HeadOutputs, and the concatenated 16-bit gradient beside the pending chunk gradients.
            _ => Math.Max(Math.Max(b + 4 + upcast / (double)n, backward), 2 * b),
        };
    }

    /// <summary>TRL's _CHUNKED_LM_HEAD_CHUNK_SIZE (trl/trainer/sft_trainer.py at f2cd577): valid tokens per chunk.</summary>
    public const int ChunkedNllTokens = 256;

    /// <summary>
    /// TRL's <c>chunked_nll</c> (sft_trainer.py _chunked_cross_entropy_loss at f2cd577): the valid tokens are gathered to
    /// the front (<c>hidden[order]</c>, a B T h copy, whose gradient is another B T h) and each 256-token chunk runs under
    /// torch.utils.checkpoint <c>h.float() @ w.float().t()</c>, log_softmax and nll. While a chunk is recomputed and
    /// differentiated it holds the fp32 copy of the head weight (4 V h; none when the weights are fp32, where .float() is
    /// the weight itself), with a trained head the chunk's fp32 weight gradient before it is accumulated (4 V h) and, per
    /// value of its 256 x V logits, the fp32 logits and log-probabilities and their two gradients: 16 B.
    /// </summary>
    public static double ChunkedNllBytes(double b, double tokens, double vocab, double hidden, bool headTrained) =>
        ((b == 4 ? 0 : 4) + (headTrained ? 4 : 0)) * vocab * hidden + 16.0 * Math.Min(ChunkedNllTokens, tokens) * vocab + 2 * b * tokens * hidden;

    /// <summary>
    /// Liger's token chunk (liger_kernel/ops/fused_linear_cross_entropy.py at ead96b6): inc_factor = ceil(V / h),
    /// chunk = next_power_of_2(ceil(T / inc_factor)), so that a chunk's logits are about as large as the hidden state.
    /// </summary>
    public static double LigerChunkTokens(double tokens, double vocab, double hidden)
    {
        var incFactor = Math.Ceiling(vocab / hidden);
        var chunk = Math.Ceiling(tokens / incFactor);
        // The last (or only) chunk is cut at T rows.
        return Math.Min(Math.Pow(2, Math.Ceiling(Math.Log2(Math.Max(1, chunk)))), tokens);
    }

    /// <summary>
    /// Liger's fused linear cross-entropy (fused_linear_cross_entropy_forward at ead96b6) computes the loss and all
    /// gradients inside forward, chunk by chunk: it allocates grad_input (B T h) and a per-token fp32 loss (4 T), computes
    /// one chunk's logits in the weight dtype and overwrites them with their gradient in place (B c V). With the head
    /// trained it accumulates <c>grad_weight += mm(grad_logits.t(), input).float()</c>: the product in the weight dtype
    /// (B V h) and its fp32 copy (4 V h) exist together (grad_weight itself is the head's gradient, counted there).
    /// </summary>
    public static double LigerFusedBytes(double b, double tokens, double vocab, double hidden, bool headTrained)
    {
        var chunk = LigerChunkTokens(tokens, vocab, hidden);
        var headProduct = headTrained ? (b + (b == 4 ? 0 : 4)) * vocab * hidden : 0;
        return b * tokens * hidden + b * chunk * vocab + 4 * tokens + headProduct;
    }

    /// <summary>
    /// Cut cross-entropy (apple/ml-cross-entropy at d42911f, cce.py and cce_backward.py): forward saves only the per-token
    /// log-sum-exp (fp32, 4 T); backward recomputes the logits block by block in on-chip memory and writes the gradient of
    /// the hidden state (B T h; the classifier's gradient is the head's own, counted there). The paper's Gemma 2 (2B)
    /// figure: the loss computation's memory falls from 24 GB to 1 MB.
    /// </summary>
    public static double CutCrossEntropyBytes(double b, double tokens, double hidden) => 4 * tokens + b * tokens * hidden;

    private static string ChunkText(ChunkSplit split) => split switch
    {
        ChunkSplit.Hidden => "the head run per chunk inside the loss",
        ChunkSplit.HeadOutputs => "the head's output returned per chunk",
        _ => "views of the full logits",
    };
}
