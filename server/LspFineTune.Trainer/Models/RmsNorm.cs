using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>Root-mean-square layer norm (TorchSharp has none): x / sqrt(mean(x^2) + eps) * weight, computed in fp32.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // Field names equal the registered names: TorchSharp's Module.to(dtype) re-assigns fields by that name.
    private Parameter weight;
    private readonly double _eps;

    public RmsNorm(string name, long size, double eps) : base(name)
    {
        _eps = eps;
        weight = new Parameter(ones(size));
        register_parameter(nameof(weight), weight);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(float32);
        var normed = x * rsqrt(x.pow(2).mean([-1L], keepdim: true) + _eps);
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
