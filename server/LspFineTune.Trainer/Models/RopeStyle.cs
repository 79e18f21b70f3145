namespace LspFineTune.Trainer.Models;

/// <summary>
/// Which pairs of a head's channels RoPE rotates. llama2.c checkpoints rotate adjacent pairs (0,1), (2,3), ...;
/// Hugging Face Llama rotates channel i with i + d/2 (its conversion script permutes q/k weights to match).
/// </summary>
public enum RopeStyle { HalfSplit, Interleaved }
