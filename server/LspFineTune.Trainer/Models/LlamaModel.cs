using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>The decoder stack without the output head (Hugging Face's LlamaModel: embed_tokens, layers, norm).</summary>
internal sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> embed_tokens;
    private ModuleList<LlamaDecoderLayer> layers;
    private RmsNorm norm;

    public LlamaModel(string name, LlamaConfig config, RotaryEmbedding rope, LoraSpec? lora) : base(name)
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        using (no_grad())
            nn.init.normal_(embed_tokens.parameters().First(), 0, 0.02);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer($"{i}", config, rope, lora)).ToArray());
        norm = new RmsNorm("norm", config.HiddenSize, config.RmsNormEps);
        register_module(nameof(embed_tokens), embed_tokens);
        register_module(nameof(layers), layers);
        register_module(nameof(norm), norm);
    }

    public Tensor EmbeddingWeight => embed_tokens.parameters().First();

    public IEnumerable<LlamaDecoderLayer> Layers => layers;

    public bool GradientCheckpointing { get; set; }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var hidden = embed_tokens.forward(inputIds);
        var checkpoint = GradientCheckpointing && training && is_grad_enabled();
        foreach (var layer in layers)
            hidden = checkpoint ? CheckpointedLayer.Run(layer, hidden) : layer.forward(hidden);
        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
