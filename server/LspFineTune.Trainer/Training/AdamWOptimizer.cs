using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter): decoupled weight decay p -= lr wd p, then the bias-corrected Adam step
/// p -= lr m_hat / (sqrt(v_hat) + eps). Moments are kept in fp32 whatever the parameter dtype.
/// </summary>
public sealed class AdamWOptimizer : IParameterOptimizer
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _moments = [];
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private long _steps;

    public AdamWOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double weightDecay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _parameters = parameters;
        _weightDecay = weightDecay;
        (_beta1, _beta2, _eps) = (beta1, beta2, eps);
        foreach (var (name, parameter) in parameters)
            _moments[name] = (zeros_like(parameter, dtype: float32), zeros_like(parameter, dtype: float32));
    }

    public string Name => "adamw";

    public void Step(double learningRate)
    {
        _steps++;
        var correction1 = 1 - Math.Pow(_beta1, _steps);
        var correction2 = 1 - Math.Pow(_beta2, _steps);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in _parameters)
        {
            // Each read of .grad is a new handle; inside the scope it is released with the step instead of by the GC, which
            // would keep the gradient alive after zero_grad (measured: +3 MiB per step of full fine-tuning on the tiny model).
            using var scope = NewDisposeScope();
            if (parameter.grad is not { } gradient)
                continue;
            var (m, v) = _moments[name];
            var g = gradient.to(float32);
            m.mul_(_beta1).add_(g, alpha: 1 - _beta1);
            v.mul_(_beta2).addcmul_(g, g, value: 1 - _beta2);
            var update = (m / correction1) / ((v / correction2).sqrt_().add_(_eps));
            var master = parameter.to(float32);
            if (_weightDecay != 0)
                master = master * (1 - learningRate * _weightDecay);
            parameter.copy_(master - update * learningRate);
        }
    }

    public IEnumerable<(string Name, Tensor Value)> State()
    {
        yield return ("adamw.steps", tensor(new[] { _steps }));
        foreach (var (name, (m, v)) in _moments)
        {
            yield return ($"adamw.exp_avg.{name}", m);
            yield return ($"adamw.exp_avg_sq.{name}", v);
        }
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        _steps = Required(state, "adamw.steps").item<long>();
        foreach (var (name, (m, v)) in _moments)
        {
            m.copy_(Required(state, $"adamw.exp_avg.{name}"));
            v.copy_(Required(state, $"adamw.exp_avg_sq.{name}"));
        }
    }

    internal static Tensor Required(IReadOnlyDictionary<string, Tensor> state, string name) =>
        state.TryGetValue(name, out var value) ? value : throw new TrainerException($"the checkpoint has no optimizer state `{name}`; it was written by another configuration. Remove the checkpoints folder or run without --resume.");

    public void Dispose()
    {
        foreach (var (m, v) in _moments.Values)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
