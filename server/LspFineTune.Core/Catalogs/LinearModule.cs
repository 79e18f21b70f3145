namespace LspFineTune.Core.Catalogs;

/// <summary>What a linear layer does in a transformer block; the estimator uses it for activations and FLOPs.</summary>
public enum LinearRole
{
    /// <summary>q, k, v projections (separate or fused).</summary>
    AttentionInput,
    /// <summary>The attention output projection (o_proj, dense, c_proj, out_proj).</summary>
    AttentionOutput,
    /// <summary>MLP input projections: up/gate (or fused gate_up, fc1, c_fc, dense_h_to_4h).</summary>
    MlpInput,
    /// <summary>The MLP output projection (down_proj, fc2, dense_4h_to_h).</summary>
    MlpOutput,
    /// <summary>The MoE router (gate).</summary>
    Router,
}

/// <summary>
/// One linear layer of a transformer block as Hugging Face names it (the name PEFT's target_modules match),
/// with its shape. <see cref="Copies"/> is the number of experts for MoE expert layers, else 1;
/// <see cref="ActiveCopies"/> is how many of them each token passes through.
/// </summary>
public sealed record LinearModule(
    string Name,
    LinearRole Role,
    int InFeatures,
    int OutFeatures,
    bool HasBias,
    int Copies = 1,
    int ActiveCopies = 1)
{
    /// <summary>
    /// How many blocks hold this linear; 0 means every block. Hybrid and partly-sparse models differ per block:
    /// DeepSeek's first dense blocks have an MLP where the rest have experts, Qwen3.5's linear-attention blocks have
    /// in_proj_qkv where its full-attention blocks have q_proj.
    /// </summary>
    public int Layers { get; init; }

    /// <summary>
    /// A weight tensor that is not an nn.Linear (gpt-oss and Gemma 4 experts: one fused parameter per block). PEFT's
    /// target_modules and all-linear never adapt it (only target_parameters reaches it), so LoRA targets skip it.
    /// </summary>
    public bool IsParameter { get; init; }

    public long WeightParameters => (long)InFeatures * OutFeatures * Copies;

    public long BiasParameters => HasBias ? (long)OutFeatures * Copies : 0;

    public long Parameters => WeightParameters + BiasParameters;

    /// <summary>Parameters a single token multiplies against (dense: all; MoE: the routed experts).</summary>
    public long ActiveParameters => ((long)InFeatures * OutFeatures + (HasBias ? OutFeatures : 0)) * ActiveCopies;

    private readonly string? _modulePath;

    /// <summary>
    /// The module's dotted path inside one block as Hugging Face names it (<c>self_attn.q_proj</c>,
    /// <c>block_sparse_moe.experts.{e}.w1</c> with <c>{e}</c> standing for the expert index); defaults to <see cref="Name"/>.
    /// </summary>
    public string ModulePath
    {
        get => _modulePath ?? Name;
        init => _modulePath = value;
    }

    /// <summary>
    /// PEFT's target_modules rule for a string entry: the target equals the module's full name or is a
    /// dotted suffix of it. So <c>c_proj</c> matches both GPT-2 <c>attn.c_proj</c> and <c>mlp.c_proj</c>,
    /// while <c>attn.c_proj</c> matches only the attention one. Case-sensitive, as PEFT is.
    /// </summary>
    public bool MatchesTarget(string target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return false;
        }

        if (string.Equals(target, Name, StringComparison.Ordinal))
        {
            return true;
        }

        string[] pathParts = ModulePath.Split('.');
        string[] targetParts = target.Split('.');
        if (targetParts.Length > pathParts.Length)
        {
            return false;
        }

        int offset = pathParts.Length - targetParts.Length;
        for (int i = 0; i < targetParts.Length; i++)
        {
            string part = pathParts[offset + i];
            string wanted = targetParts[i];
            bool expertIndex = part == "{e}" && wanted.Length > 0 && wanted.All(char.IsAsciiDigit);
            if (!expertIndex && !string.Equals(part, wanted, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
