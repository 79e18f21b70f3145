using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// GPT-2 with Hugging Face names (transformer.wte, transformer.wpe, transformer.h.N..., transformer.ln_f; lm_head tied
/// to wte unless tie_word_embeddings is false): learned positions, LayerNorm, GELU, fused q/k/v.
/// </summary>
public sealed class Gpt2LMHeadModel : CausalLanguageModel
{
    private Gpt2Transformer transformer;

    public Gpt2LMHeadModel(Gpt2Config config, LoraSpec? lora = null) : base("GPT2LMHeadModel", config, lora)
    {
        transformer = new Gpt2Transformer("transformer", config, lora);
        register_module(nameof(transformer), transformer);
        if (!config.TieWordEmbeddings)
        {
            var head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
            register_module("lm_head", head);
        }
    }

    public override bool GradientCheckpointing
    {
        get => transformer.GradientCheckpointing;
        set => transformer.GradientCheckpointing = value;
    }

    public override AttentionImplementation Attention
    {
        set
        {
            foreach (var block in transformer.Blocks)
                block.Attention = value;
        }
    }

    public override bool LoraFanInFanOut => true;

    /// <summary>Old GPT-2 checkpoints carry the causal mask as buffers (attn.bias, attn.masked_bias): not weights.</summary>
    public override bool IsIgnorableWeight(string name) =>
        base.IsIgnorableWeight(name) || name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal);

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var hidden = transformer.forward(inputIds);
        var head = Config.TieWordEmbeddings ? transformer.TokenEmbedding : named_parameters().First(p => p.name == "lm_head.weight").parameter;
        return matmul(hidden, head.t()).MoveToOuterDisposeScope();
    }

    private sealed class Gpt2Transformer : nn.Module<Tensor, Tensor>
    {
        private nn.Module<Tensor, Tensor> wte;
        private nn.Module<Tensor, Tensor> wpe;
        private ModuleList<Gpt2Block> h;
        private nn.Module<Tensor, Tensor> ln_f;

        public Gpt2Transformer(string name, Gpt2Config config, LoraSpec? lora) : base(name)
        {
            wte = nn.Embedding(config.VocabSize, config.HiddenSize);
            wpe = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
            using (no_grad())
            {
                nn.init.normal_(wte.parameters().First(), 0, 0.02);
                nn.init.normal_(wpe.parameters().First(), 0, 0.01);
            }
            h = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new Gpt2Block($"{i}", config, lora)).ToArray());
            ln_f = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
            register_module(nameof(wte), wte);
            register_module(nameof(wpe), wpe);
            register_module(nameof(h), h);
            register_module(nameof(ln_f), ln_f);
            using (no_grad())
            {
                // Projection and LayerNorm biases start at zero, as in Hugging Face's GPT-2 initialisation.
                foreach (var (_, parameter) in h.named_parameters().Where(p => p.name.EndsWith(".bias", StringComparison.Ordinal)))
                    parameter.zero_();
            }
        }

        public bool GradientCheckpointing { get; set; }

        public IEnumerable<Gpt2Block> Blocks => h;

        public Tensor TokenEmbedding => wte.parameters().First();

        public override Tensor forward(Tensor inputIds)
        {
            using var scope = NewDisposeScope();
            var positions = arange(inputIds.shape[1], dtype: int64).unsqueeze(0);
            var hidden = wte.forward(inputIds) + wpe.forward(positions);
            var checkpoint = GradientCheckpointing && training && is_grad_enabled();
            foreach (var block in h)
                hidden = checkpoint ? CheckpointedLayer.Run(block, hidden) : block.forward(hidden);
            return ln_f.forward(hidden).MoveToOuterDisposeScope();
        }
    }
}
