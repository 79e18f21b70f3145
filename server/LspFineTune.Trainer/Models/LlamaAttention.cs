using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>Causal self-attention with grouped-query heads (num_key_value_heads &lt;= num_attention_heads) and RoPE.</summary>
internal sealed class LlamaAttention : nn.Module<Tensor, Tensor>
{
    private AdaptableLinear q_proj;
    private AdaptableLinear k_proj;
    private AdaptableLinear v_proj;
    private AdaptableLinear o_proj;
    private readonly LlamaConfig _config;
    private readonly RotaryEmbedding _rope;

    public AttentionImplementation Implementation { get; set; } = AttentionImplementation.Sdpa;

    public LlamaAttention(string name, LlamaConfig config, RotaryEmbedding rope, LoraSpec? lora) : base(name)
    {
        _config = config;
        _rope = rope;
        var kvWidth = config.NumKeyValueHeads * config.HeadDim;
        q_proj = new AdaptableLinear("q_proj", config.HiddenSize, config.NumAttentionHeads * config.HeadDim, config.AttentionBias, Pick(lora, "q_proj"));
        k_proj = new AdaptableLinear("k_proj", config.HiddenSize, kvWidth, config.AttentionBias, Pick(lora, "k_proj"));
        v_proj = new AdaptableLinear("v_proj", config.HiddenSize, kvWidth, config.AttentionBias, Pick(lora, "v_proj"));
        o_proj = new AdaptableLinear("o_proj", config.NumAttentionHeads * config.HeadDim, config.HiddenSize, false, Pick(lora, "o_proj"));
        register_module(nameof(q_proj), q_proj);
        register_module(nameof(k_proj), k_proj);
        register_module(nameof(v_proj), v_proj);
        register_module(nameof(o_proj), o_proj);
    }

    internal static LoraSpec? Pick(LoraSpec? lora, string module) => lora is not null && lora.Targets(module) ? lora : null;

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var (batch, sequence) = (hidden.shape[0], hidden.shape[1]);
        var headDim = _config.HeadDim;
        var q = q_proj.forward(hidden).view(batch, sequence, _config.NumAttentionHeads, headDim).transpose(1, 2);
        var k = k_proj.forward(hidden).view(batch, sequence, _config.NumKeyValueHeads, headDim).transpose(1, 2);
        var v = v_proj.forward(hidden).view(batch, sequence, _config.NumKeyValueHeads, headDim).transpose(1, 2);
        q = _rope.Apply(q);
        k = _rope.Apply(k);
        var groups = _config.NumAttentionHeads / _config.NumKeyValueHeads;
        if (groups > 1)
        {
            // Each key/value head serves `groups` consecutive query heads (Hugging Face's repeat_kv).
            k = k.repeat_interleave(groups, dim: 1);
            v = v.repeat_interleave(groups, dim: 1);
        }
        var attended = CausalAttention.Compute(q, k, v, Implementation);
        var merged = attended.transpose(1, 2).reshape(batch, sequence, _config.NumAttentionHeads * headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
