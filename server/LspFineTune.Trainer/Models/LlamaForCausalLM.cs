using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// A LLaMA-family causal LM with Hugging Face parameter names (<c>model.layers.0.self_attn.q_proj.weight</c>, ...,
/// <c>lm_head.weight</c> when the head is not tied to the embedding). LoRA adapters are part of the construction.
/// </summary>
public sealed class LlamaForCausalLM : CausalLanguageModel
{
    private LlamaModel model;
    private readonly RotaryEmbedding _rope;

    private readonly LlamaConfig _config;

    public LlamaForCausalLM(LlamaConfig config, LoraSpec? lora = null) : base("LlamaForCausalLM", config, lora)
    {
        _config = config;
        _rope = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta, config.RopeStyle);
        model = new LlamaModel("model", config, _rope, lora);
        register_module(nameof(model), model);
        if (!config.TieWordEmbeddings)
        {
            // Registered as a module named lm_head holding `weight`, so the name is Hugging Face's lm_head.weight.
            var head = new HeadModule(config.VocabSize, config.HiddenSize);
            register_module("lm_head", head);
        }
    }

    public override bool GradientCheckpointing
    {
        get => model.GradientCheckpointing;
        set => model.GradientCheckpointing = value;
    }

    public override AttentionImplementation Attention
    {
        set
        {
            foreach (var layer in model.Layers)
                layer.Attention = value;
        }
    }

    /// <summary>Logits [batch, seq, vocab] for token ids [batch, seq].</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var hidden = model.forward(inputIds);
        var headWeight = _config.TieWordEmbeddings ? model.EmbeddingWeight : CurrentHeadWeight();
        return matmul(hidden, headWeight.t()).MoveToOuterDisposeScope();
    }

    private Tensor CurrentHeadWeight() => named_parameters().First(p => p.name == "lm_head.weight").parameter;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _rope.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The untied output projection: a module whose only parameter is `weight`.</summary>
    private sealed class HeadModule : nn.Module
    {
        private Parameter weight;

        public HeadModule(long vocab, long hidden) : base("lm_head")
        {
            weight = new Parameter(empty(vocab, hidden));
            nn.init.normal_(weight, 0, 0.02);
            register_parameter(nameof(weight), weight);
        }
    }
}
