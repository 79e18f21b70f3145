using TorchSharp;
using TorchSharp.Modules;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// A linear projection with an optional LoRA adapter built in at construction (TorchSharp cannot swap submodules
/// later). Parameter names follow Hugging Face / PEFT: <c>weight</c>, <c>bias</c>, <c>lora_A.weight</c>, <c>lora_B.weight</c>,
/// so base weights load strictly under their Hugging Face names and adapters save under PEFT's.
/// y = x W^T + b + scaling * B(A(dropout(x))). With <c>fanInFanOut</c> (GPT-2's Conv1D) the weight is stored
/// [in, out] and used as x W, as Hugging Face stores it; the adapter is the same (PEFT's fan_in_fan_out).
/// </summary>
internal sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    // Field names equal the registered names: TorchSharp's Module.to(dtype) re-assigns fields by that name.
    private Parameter weight;
    private Parameter? bias;
    private nn.Module<Tensor, Tensor>? lora_A;
    private nn.Module<Tensor, Tensor>? lora_B;
    private readonly double _scaling;
    private readonly double _dropout;
    private readonly bool _fanInFanOut;
    // SensZOQ: the frozen remainder in NF4 and the sensitive entries (flat indices) at full precision; null otherwise.
    private Nf4Weight? _frozen;
    private Tensor? _sensitiveIndices;
    private Tensor? _sensitiveValues;

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public bool HasLora => lora_A is not null;

    public AdaptableLinear(string name, long inFeatures, long outFeatures, bool hasBias, LoraSpec? lora, bool fanInFanOut = false) : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _fanInFanOut = fanInFanOut;
        weight = new Parameter(fanInFanOut ? empty(inFeatures, outFeatures) : empty(outFeatures, inFeatures));
        nn.init.normal_(weight, 0, 0.02);
        register_parameter(nameof(weight), weight);
        if (hasBias)
        {
            bias = new Parameter(zeros(outFeatures));
            register_parameter(nameof(bias), bias);
        }
        if (lora is not null)
        {
            // PEFT's initialisation: A Kaiming-uniform, B zero, so the adapted model starts equal to the base.
            lora_A = nn.Linear(inFeatures, lora.Rank, hasBias: false);
            lora_B = nn.Linear(lora.Rank, outFeatures, hasBias: false);
            using (no_grad())
                nn.init.zeros_(lora_B.parameters().First());
            register_module(nameof(lora_A), lora_A);
            register_module(nameof(lora_B), lora_B);
            _scaling = lora.Scaling;
            _dropout = lora.Dropout;
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var current = _frozen is null ? weight : CurrentWeight();
        var output = _fanInFanOut
            ? (bias is null ? matmul(input, current) : matmul(input, current) + bias)
            : nn.functional.linear(input, current, bias);
        if (lora_A is null || lora_B is null)
            return output.MoveToOuterDisposeScope();
        var dropped = _dropout > 0 && training ? nn.functional.dropout(input, _dropout, training: true) : input;
        var update = lora_B.forward(lora_A.forward(dropped)) * _scaling;
        return (output + update).MoveToOuterDisposeScope();
    }

    public bool IsQuantized => _frozen is not null;

    /// <summary>
    /// Holds the weight as NF4 except the entries at <paramref name="flatIndices"/> (row-major positions), which stay at
    /// full precision in the returned vector: what SensZOQ perturbs and updates. The full-precision weight is freed;
    /// every forward dequantizes it (a transient the size of one weight) and writes the sensitive values over it.
    /// </summary>
    public Tensor QuantizeFrozen(Tensor flatIndices)
    {
        using var noGrad = no_grad();
        _sensitiveIndices = flatIndices.to(int64).contiguous();
        _sensitiveValues = weight.detach().flatten().index_select(0, _sensitiveIndices).to(float32).contiguous();
        _frozen = Nf4Weight.Quantize(weight);
        weight.set_(empty(0, dtype: weight.dtype));
        return _sensitiveValues;
    }

    /// <summary>The weight the layer computes with: the dequantized remainder with the sensitive values written in.</summary>
    private Tensor CurrentWeight()
    {
        var full = _frozen!.Dequantize();
        full.view(-1).index_copy_(0, _sensitiveIndices!, _sensitiveValues!.to(full.dtype));
        return full;
    }

    /// <summary>Puts a quantized weight back into full precision (for saving the trained model); a no-op otherwise.</summary>
    public void Dequantize()
    {
        if (_frozen is null)
            return;
        using var noGrad = no_grad();
        using var full = CurrentWeight();
        weight.set_(full.clone());
        _frozen.Dispose();
        _frozen = null;
        _sensitiveIndices!.Dispose();
        _sensitiveIndices = null;
        _sensitiveValues = null;
    }

    /// <summary>Folds the adapter into the base weight (W += scaling * B A) and zeroes B, so outputs do not change.</summary>
    public void MergeLora()
    {
        if (lora_A is null || lora_B is null)
            return;
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var a = lora_A.parameters().First();
            var b = lora_B.parameters().First();
            var delta = matmul(b, a) * _scaling;
            weight.add_((_fanInFanOut ? delta.t() : delta).to(weight.dtype));
            b.zero_();
        }
    }
}
