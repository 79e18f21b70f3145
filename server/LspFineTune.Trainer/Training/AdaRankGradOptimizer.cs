using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// AdaRankGrad-style adaptive low-rank gradient projection (Refael et al. 2024), in the GaLore family: for each weight
/// matrix, the gradient G [m, n] is projected onto the top left singular vectors P [m, r] of a recent gradient,
/// Adam runs on the small R = P^T G [r, n], and the update is P times Adam's direction. The rank r is chosen when the
/// subspace is refreshed as the smallest one keeping <c>energy_threshold</c> of the gradient's squared singular values
/// (at most <c>max_rank</c>), so it shrinks as training converges. The subspace is refreshed when it no longer holds
/// that share of the current gradient's energy (checked every step, at most once per <see cref="MinRefreshInterval"/>).
/// When the subspace changes, the moments are carried into the new one through T = P_new^T P_old (first moment T M; second moment (T∘T) V, an approximation since V is
/// elementwise). Vectors (norm weights) use plain AdamW. Optimizer memory is O(r n) per matrix instead of O(m n).
/// </summary>
public sealed class AdaRankGradOptimizer : IParameterOptimizer
{
    /// <summary>
    /// Fewest steps between two refreshes of one matrix's subspace (an SVD each). Between them the subspace is kept;
    /// after that it is refreshed as soon as it stops holding <c>energy_threshold</c> of the current gradient's energy,
    /// so a converging (stable) gradient keeps its subspace and a drifting one gets a new one.
    /// </summary>
    public const int MinRefreshInterval = 10;

    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, MatrixState> _states = [];
    private readonly double _weightDecay;
    private readonly int _maxRank;
    private readonly double _energyThreshold;
    private const double Beta1 = 0.9, Beta2 = 0.999, Eps = 1e-8;
    private long _steps;

    private sealed class MatrixState
    {
        public Tensor? Projector;
        public Tensor M = null!;
        public Tensor V = null!;
        public long RefreshedAt;
    }

    /// <summary>Share of the gradient's squared norm that lies in the subspace: |P^T G|^2 / |G|^2.</summary>
    private static double CapturedEnergy(Tensor projector, Tensor gradient)
    {
        using var scope = NewDisposeScope();
        var total = gradient.pow(2).sum().item<float>();
        return total > 0 ? matmul(projector.t(), gradient).pow(2).sum().item<float>() / total : 1.0;
    }

    public AdaRankGradOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double weightDecay, int maxRank, double energyThreshold)
    {
        _parameters = parameters;
        _weightDecay = weightDecay;
        _maxRank = Math.Max(1, maxRank);
        _energyThreshold = Math.Clamp(energyThreshold, 0.01, 1.0);
        foreach (var (name, parameter) in parameters)
        {
            // Matrices start unprojected-sized and get their subspace on the first step.
            _states[name] = parameter.dim() == 2
                ? new MatrixState { M = zeros(0), V = zeros(0) }
                : new MatrixState { M = zeros_like(parameter, dtype: float32), V = zeros_like(parameter, dtype: float32) };
        }
    }

    public string Name => "adarankgrad";

    /// <summary>Current rank per projected matrix (for logs and tests).</summary>
    public IReadOnlyDictionary<string, long> Ranks => _states.Where(s => s.Value.Projector is not null).ToDictionary(s => s.Key, s => s.Value.Projector!.shape[1]);

    public void Step(double learningRate)
    {
        _steps++;
        var correction1 = 1 - Math.Pow(Beta1, _steps);
        var correction2 = 1 - Math.Pow(Beta2, _steps);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in _parameters)
        {
            if (parameter.grad is not { } gradient)
                continue;
            using var scope = NewDisposeScope();
            var state = _states[name];
            var g = gradient.to(float32);
            var projected = parameter.dim() == 2;
            if (projected && (state.Projector is null || (_steps - state.RefreshedAt >= MinRefreshInterval && CapturedEnergy(state.Projector, g) < _energyThreshold)))
            {
                Refresh(state, g);
                state.RefreshedAt = _steps;
            }
            var r = projected ? matmul(state.Projector!.t(), g) : g;
            state.M.mul_(Beta1).add_(r, alpha: 1 - Beta1);
            state.V.mul_(Beta2).addcmul_(r, r, value: 1 - Beta2);
            var direction = (state.M / correction1) / ((state.V / correction2).sqrt_().add_(Eps));
            if (projected)
                direction = matmul(state.Projector!, direction);
            var master = parameter.to(float32);
            if (_weightDecay != 0)
                master = master * (1 - learningRate * _weightDecay);
            parameter.copy_(master - direction * learningRate);
        }
    }

    private void Refresh(MatrixState state, Tensor gradient)
    {
        // Multithreaded LAPACK may split the work differently from run to run and round differently; one thread makes
        // the subspace a pure function of the gradient, so a resumed run repeats the uninterrupted one bit for bit.
        var threads = get_num_threads();
        set_num_threads(1);
        Tensor u, s, vh;
        try
        {
            (u, s, vh) = linalg.svd(gradient, fullMatrices: false);
        }
        finally
        {
            set_num_threads(threads);
        }
        vh.Dispose();
        var energy = s.pow(2);
        var cumulative = energy.cumsum(0) / energy.sum().clamp_min(1e-30);
        var reached = (cumulative < _energyThreshold).sum().item<long>() + 1;
        var rank = (int)Math.Min(Math.Min(reached, _maxRank), s.shape[0]);
        var projector = u[.., ..rank].contiguous().DetachFromDisposeScope();
        if (state.Projector is null || state.M.numel() == 0)
        {
            state.M.Dispose();
            state.V.Dispose();
            state.M = zeros(rank, gradient.shape[1]).DetachFromDisposeScope();
            state.V = zeros(rank, gradient.shape[1]).DetachFromDisposeScope();
        }
        else
        {
            var transition = matmul(projector.t(), state.Projector);
            var m = matmul(transition, state.M).DetachFromDisposeScope();
            var v = matmul(transition.pow(2), state.V).DetachFromDisposeScope();
            state.M.Dispose();
            state.V.Dispose();
            state.Projector.Dispose();
            (state.M, state.V) = (m, v);
        }
        state.Projector = projector;
    }

    public IEnumerable<(string Name, Tensor Value)> State()
    {
        yield return ("adarankgrad.steps", tensor(new[] { _steps }));
        foreach (var (name, state) in _states)
        {
            yield return ($"adarankgrad.exp_avg.{name}", state.M);
            yield return ($"adarankgrad.exp_avg_sq.{name}", state.V);
            if (state.Projector is not null)
            {
                yield return ($"adarankgrad.projector.{name}", state.Projector);
                yield return ($"adarankgrad.refreshed_at.{name}", tensor(new[] { state.RefreshedAt }));
            }
        }
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> saved)
    {
        _steps = AdamWOptimizer.Required(saved, "adarankgrad.steps").item<long>();
        foreach (var (name, state) in _states)
        {
            // Shapes follow the saved ranks, so the tensors are replaced rather than copied into.
            state.M.Dispose();
            state.V.Dispose();
            state.Projector?.Dispose();
            state.M = AdamWOptimizer.Required(saved, $"adarankgrad.exp_avg.{name}").clone();
            state.V = AdamWOptimizer.Required(saved, $"adarankgrad.exp_avg_sq.{name}").clone();
            state.Projector = saved.TryGetValue($"adarankgrad.projector.{name}", out var projector) ? projector.clone() : null;
            state.RefreshedAt = saved.TryGetValue($"adarankgrad.refreshed_at.{name}", out var refreshedAt) ? refreshedAt.item<long>() : 0;
        }
    }

    public void Dispose()
    {
        foreach (var state in _states.Values)
        {
            state.M.Dispose();
            state.V.Dispose();
            state.Projector?.Dispose();
        }
    }
}
