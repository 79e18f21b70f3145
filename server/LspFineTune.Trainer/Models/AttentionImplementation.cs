namespace LspFineTune.Trainer.Models;

/// <summary>How attention scores are computed: eager materialises the s x s matrix; sdpa calls libtorch's fused kernel.</summary>
public enum AttentionImplementation { Eager, Sdpa }
