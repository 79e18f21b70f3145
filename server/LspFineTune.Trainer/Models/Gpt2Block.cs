using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// One GPT-2 block with Hugging Face names: ln_1, attn.c_attn (fused q/k/v), attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj.
/// Projections are Conv1D-style ([in, out] weights) with biases; x + attn(ln_1(x)), then + mlp(ln_2(.)).
/// </summary>
internal sealed class Gpt2Block : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> ln_1;
    private Gpt2Attention attn;
    private nn.Module<Tensor, Tensor> ln_2;
    private Gpt2Mlp mlp;

    public Gpt2Block(string name, Gpt2Config config, LoraSpec? lora) : base(name)
    {
        ln_1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
        attn = new Gpt2Attention("attn", config, lora);
        ln_2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
        mlp = new Gpt2Mlp("mlp", config, lora);
        register_module(nameof(ln_1), ln_1);
        register_module(nameof(attn), attn);
        register_module(nameof(ln_2), ln_2);
        register_module(nameof(mlp), mlp);
    }

    public AttentionImplementation Attention
    {
        set => attn.Implementation = value;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x + attn.forward(ln_1.forward(x));
        return (afterAttention + mlp.forward(ln_2.forward(afterAttention))).MoveToOuterDisposeScope();
    }

    internal static LoraSpec? Pick(LoraSpec? lora, string module) => lora is not null && lora.Targets(module) ? lora : null;

    private sealed class Gpt2Attention : nn.Module<Tensor, Tensor>
    {
        private AdaptableLinear c_attn;
        private AdaptableLinear c_proj;
        private readonly Gpt2Config _config;

        public AttentionImplementation Implementation { get; set; } = AttentionImplementation.Sdpa;

        public Gpt2Attention(string name, Gpt2Config config, LoraSpec? lora) : base(name)
        {
            _config = config;
            c_attn = new AdaptableLinear("c_attn", config.HiddenSize, 3 * config.HiddenSize, true, Pick(lora, "c_attn"), fanInFanOut: true);
            c_proj = new AdaptableLinear("c_proj", config.HiddenSize, config.HiddenSize, true, Pick(lora, "c_proj"), fanInFanOut: true);
            register_module(nameof(c_attn), c_attn);
            register_module(nameof(c_proj), c_proj);
        }

        public override Tensor forward(Tensor hidden)
        {
            using var scope = NewDisposeScope();
            var (batch, sequence) = (hidden.shape[0], hidden.shape[1]);
            var parts = c_attn.forward(hidden).split(_config.HiddenSize, dim: 2);
            Tensor Heads(Tensor t) => t.view(batch, sequence, _config.NumAttentionHeads, _config.HeadDim).transpose(1, 2);
            var attended = CausalAttention.Compute(Heads(parts[0]), Heads(parts[1]), Heads(parts[2]), Implementation);
            var merged = attended.transpose(1, 2).reshape(batch, sequence, _config.HiddenSize);
            return c_proj.forward(merged).MoveToOuterDisposeScope();
        }
    }

    private sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
    {
        private AdaptableLinear c_fc;
        private AdaptableLinear c_proj;

        public Gpt2Mlp(string name, Gpt2Config config, LoraSpec? lora) : base(name)
        {
            c_fc = new AdaptableLinear("c_fc", config.HiddenSize, config.InnerSize, true, Pick(lora, "c_fc"), fanInFanOut: true);
            c_proj = new AdaptableLinear("c_proj", config.InnerSize, config.HiddenSize, true, Pick(lora, "c_proj"), fanInFanOut: true);
            register_module(nameof(c_fc), c_fc);
            register_module(nameof(c_proj), c_proj);
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            return c_proj.forward(GeluNew(c_fc.forward(x))).MoveToOuterDisposeScope();
        }

        /// <summary>GPT-2's tanh approximation of GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
        private static Tensor GeluNew(Tensor x) => 0.5 * x * (1.0 + tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))));
    }
}
