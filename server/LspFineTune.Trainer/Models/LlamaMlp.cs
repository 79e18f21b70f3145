using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
internal sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private AdaptableLinear gate_proj;
    private AdaptableLinear up_proj;
    private AdaptableLinear down_proj;

    public LlamaMlp(string name, LlamaConfig config, LoraSpec? lora) : base(name)
    {
        gate_proj = new AdaptableLinear("gate_proj", config.HiddenSize, config.IntermediateSize, false, LlamaAttention.Pick(lora, "gate_proj"));
        up_proj = new AdaptableLinear("up_proj", config.HiddenSize, config.IntermediateSize, false, LlamaAttention.Pick(lora, "up_proj"));
        down_proj = new AdaptableLinear("down_proj", config.IntermediateSize, config.HiddenSize, false, LlamaAttention.Pick(lora, "down_proj"));
        register_module(nameof(gate_proj), gate_proj);
        register_module(nameof(up_proj), up_proj);
        register_module(nameof(down_proj), down_proj);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
