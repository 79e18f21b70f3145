using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// The value spellings of the Hugging Face stack that every trainer on it shares (transformers' <c>OptimizerNames</c>
/// and <c>attn_implementation</c>; axolotl, LLaMA-Factory and TRL pass them through), as plan values, with a note where
/// the estimate approximates. axolotl's own optimizers (optimi_adamw, adopt_adamw, flash_adamw) are AdamW variants.
/// </summary>
public static class TransformersSpellings
{
    /// <summary>The optimizer a spelling means for memory, and what the estimate simplifies (null: exact).</summary>
    public static (OptimizerType Type, string? Approximation) Optimizer(string spelling)
    {
        var name = spelling.ToLowerInvariant();
        if (name.Contains("galore"))
            return (OptimizerType.AdaRankGrad, "GaLore projects gradients to low rank; estimated as AdaRankGrad's states (m r + 2 n r) at rank 128");
        if (name.Contains("lion"))
            return (name.Contains("8bit") ? OptimizerType.AdamW8bit : OptimizerType.AdamW, "Lion keeps one state per parameter, not two; estimated as AdamW of the same bit width, an over-estimate");
        if (name.Contains("4bit"))
            return (OptimizerType.AdamW8bit, "4-bit optimizer states are estimated as 8-bit, an over-estimate");
        if (name.Contains("8bit") || name.Contains("fp8"))
            return (OptimizerType.AdamW8bit, null);
        if (name.Contains("adafactor"))
            return (OptimizerType.Adafactor, null);
        if (name.Contains("lomo"))
            return (OptimizerType.Sgd, "LOMO fuses the update into backward and keeps no states; estimated as SGD");
        if (name.Contains("sgd"))
            return (OptimizerType.Sgd, null);
        if (name.StartsWith("adam", StringComparison.Ordinal) || name.Contains("adamw") || name is "optimi_adamw" or "adopt_adamw" or "flash_adam" or "flash_adamw")
            return (OptimizerType.AdamW, null);
        return (OptimizerType.AdamW, $"`{spelling}` is estimated as AdamW (two fp32 states per trained parameter)");
    }

    /// <summary>The spelling the writers use for a plan optimizer.</summary>
    public static string Optimizer(OptimizerType type) => type switch
    {
        OptimizerType.AdamW8bit => "adamw_bnb_8bit",
        OptimizerType.Adafactor => "adafactor",
        OptimizerType.Sgd => "sgd",
        OptimizerType.AdaRankGrad => "galore_adamw",
        _ => "adamw_torch_fused",
    };

    /// <summary><c>attn_implementation</c> values as the estimator sees them: eager materialises s x s scores; the
    /// fused kernels (sdpa, flash, flex, xformers, sage, hub kernels) do not.</summary>
    public static (AttentionKind Kind, string? Approximation) Attention(string value) => value.ToLowerInvariant() switch
    {
        "eager" => (AttentionKind.Eager, null),
        "sdpa" => (AttentionKind.Sdpa, null),
        "flash_attention_2" or "flash_attention_3" => (AttentionKind.Flash, null),
        var other when other.Contains("flash") => (AttentionKind.Flash, null),
        var other => (AttentionKind.Sdpa, $"`{other}` is estimated as sdpa (a fused kernel: no s x s scores in memory)"),
    };

    public static string Attention(AttentionKind kind) => kind switch
    {
        AttentionKind.Eager => "eager",
        AttentionKind.Flash => "flash_attention_2",
        _ => "sdpa",
    };

    /// <summary>A plan value in transformers' spelling when it has one (an attention kind, an optimizer), else null.</summary>
    public static string? Spelling(object value) => value switch
    {
        AttentionKind kind => Attention(kind),
        OptimizerType type => Optimizer(type),
        _ => null,
    };
}
