using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// The logits and cross-entropy spike, b x s x V values, which causes many real OOMs at large vocabularies.
/// Hugging Face's causal-LM loss upcasts the logits to fp32 before cross_entropy (transformers ForCausalLMLoss;
/// trl#156, unsloth#4330: 8192 x 248,320 x 4 B = 7.68 GB). Forward keeps the 16-bit logits, their fp32 copy and
/// the fp32 log-probabilities log_softmax saves: (B + 4 + 4) bytes per value. The first backward step holds the
/// saved log-probabilities, their gradient and the gradient w.r.t. the fp32 logits: 12 bytes per value, the peak.
/// Checked against NeMo Automodel#2336: Qwen2.5 (V = 151,936), s = 4096: "~5-7 GiB per forward".
/// </summary>
public static class LogitsMemory
{
    public static double Bytes(TrainingPlan plan, out string formula)
    {
        var values = (double)plan.Training.MicroBatchSize * plan.Training.SequenceLength * plan.Model.Architecture.VocabSize;
        var b = Precision.Bytes(plan.Model.Dtype);
        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            // Forward only: logits, their fp32 copy and the log-probabilities coexist for a moment.
            var forwardBytes = b == 4 ? 8 : b + 8;
            formula = $"{forwardBytes} B x b s V (forward only)";
            return forwardBytes * values;
        }
        formula = "12 B x b s V (fp32 log-probs + 2 fp32 gradients in the first backward step)";
        return 12 * values;
    }
}
