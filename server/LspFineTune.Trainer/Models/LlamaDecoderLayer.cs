using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>One pre-norm block: x + attn(norm(x)), then + mlp(norm(.)).</summary>
internal sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor>
{
    private LlamaAttention self_attn;
    private LlamaMlp mlp;
    private RmsNorm input_layernorm;
    private RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(string name, LlamaConfig config, RotaryEmbedding rope, LoraSpec? lora) : base(name)
    {
        self_attn = new LlamaAttention("self_attn", config, rope, lora);
        mlp = new LlamaMlp("mlp", config, lora);
        input_layernorm = new RmsNorm("input_layernorm", config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm("post_attention_layernorm", config.HiddenSize, config.RmsNormEps);
        register_module(nameof(self_attn), self_attn);
        register_module(nameof(mlp), mlp);
        register_module(nameof(input_layernorm), input_layernorm);
        register_module(nameof(post_attention_layernorm), post_attention_layernorm);
    }

    public AttentionImplementation Attention
    {
        get => self_attn.Implementation;
        set => self_attn.Implementation = value;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x + self_attn.forward(input_layernorm.forward(x));
        var output = afterAttention + mlp.forward(post_attention_layernorm.forward(afterAttention));
        return output.MoveToOuterDisposeScope();
    }
}
