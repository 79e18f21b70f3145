using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// A LLaMA-family causal LM with Hugging Face parameter names (<c>model.layers.0.self_attn.q_proj.weight</c>, ...,
/// <c>lm_head.weight</c> when the head is not tied to the embedding). LoRA adapters are part of the construction.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private LlamaModel model;
    private readonly RotaryEmbedding _rope;

    public LlamaConfig Config { get; }
    public LoraSpec? Lora { get; }

    public LlamaForCausalLM(LlamaConfig config, LoraSpec? lora = null) : base("LlamaForCausalLM")
    {
        Config = config;
        Lora = lora;
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

    public bool GradientCheckpointing
    {
        get => model.GradientCheckpointing;
        set => model.GradientCheckpointing = value;
    }

    public AttentionImplementation Attention
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
        var headWeight = Config.TieWordEmbeddings ? model.EmbeddingWeight : CurrentHeadWeight();
        return matmul(hidden, headWeight.t()).MoveToOuterDisposeScope();
    }

    private Tensor CurrentHeadWeight() => named_parameters().First(p => p.name == "lm_head.weight").parameter;

    /// <summary>The projections that carry LoRA adapters, with their module paths (model.layers.0.self_attn.q_proj).</summary>
    internal IEnumerable<(string Path, AdaptableLinear Linear)> AdaptedLinears() =>
        named_modules().Where(m => m.module is AdaptableLinear { HasLora: true }).Select(m => (m.name, (AdaptableLinear)m.module));

    /// <summary>Folds every LoRA adapter into its base weight.</summary>
    public void MergeLora()
    {
        foreach (var (_, linear) in AdaptedLinears())
            linear.MergeLora();
    }

    /// <summary>Base weights by Hugging Face name (no adapter parameters).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> BaseParameters() =>
        named_parameters().Where(p => !IsAdapterName(p.name)).Select(p => (p.name, p.parameter));

    /// <summary>LoRA parameters by model name (model.layers.0.self_attn.q_proj.lora_A.weight).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> AdapterParameters() =>
        named_parameters().Where(p => IsAdapterName(p.name)).Select(p => (p.name, p.parameter));

    internal static bool IsAdapterName(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

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
