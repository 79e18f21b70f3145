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
        // An explicit Scalar held to the end of the method: an implicit double -> Scalar conversion can be finalized
        // by the GC while libtorch still reads it (a CI run failed in Scalar::toFloat here).
        using var eps = _eps.ToScalar();
        var x = input.to(float32);
        var normed = x * rsqrt(x.pow(2).mean([-1L], keepdim: true).add(eps));
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
