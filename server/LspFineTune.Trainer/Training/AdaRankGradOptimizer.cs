using LspFineTune.Core.Planning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// AdaRankGrad (Refael et al. 2024, arXiv 2410.17881), adaptive low-rank gradient projection in the GaLore family. For
/// each weight matrix G [m, n] the gradient is projected onto a subspace of its shorter side (GaLore's rule: left,
/// P [m, r], R = P^T G [r, n] when m &lt;= n; right, Q [n, r], R = G Q [m, r] otherwise), Adam runs on R, and the update
/// is Adam's direction mapped back. The subspace comes from a randomized SVD of the current gradient (Halko, Martinsson
/// and Tropp 2011: a Gaussian sketch of max_rank + oversampling columns, power iterations, QR, a small exact SVD), and
/// its rank is the smallest that keeps <c>energy_threshold</c> of the gradient's squared Frobenius norm (at most
/// <c>max_rank</c>), so it shrinks as the gradient's energy concentrates. As in the paper, a subspace is kept while the
/// optimization in it goes on: it is chosen anew when the projected gradient has converged (|R| below
/// <c>convergence_tolerance</c> of |R| when the subspace was chosen) or after <c>update_interval</c> (T) steps. On a
/// change the moments are carried into the new subspace through the basis change T = P_new^T P_old (first moment
/// T M; second moment (T∘T) V, an approximation since V is elementwise). Vectors (norm weights) use plain AdamW.
/// </summary>
public sealed class AdaRankGradOptimizer : IParameterOptimizer
{
    /// <summary>Extra sketch columns beyond the target rank (Halko et al. 2011, §4.2: p = 5 or 10 suffices).</summary>
    public const int Oversampling = 10;

    /// <summary>Power iterations of the range finder (Halko et al. 2011, §4.5; torch.svd_lowrank's default niter=2).</summary>
    public const int PowerIterations = 2;

    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, MatrixState> _states = [];
    private readonly double _weightDecay;
    private readonly AdaRankGradSettings _settings;
    private readonly long _seed;
    private const double Beta1 = 0.9, Beta2 = 0.999, Eps = 1e-8;
    private long _steps;

    private sealed class MatrixState
    {
        public Tensor? Projector;
        public Tensor M = null!;
        public Tensor V = null!;
        public long RefreshedAt;
        /// <summary>|R| when the subspace was chosen: the scale the convergence test compares with.</summary>
        public double ProjectedNormAtRefresh;
        public bool Right;
    }

    public AdaRankGradOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double weightDecay, AdaRankGradSettings settings, long seed)
    {
        _parameters = parameters;
        _weightDecay = weightDecay;
        _settings = settings with { MaxRank = Math.Max(1, settings.MaxRank), EnergyThreshold = Math.Clamp(settings.EnergyThreshold, 0.01, 1.0), UpdateInterval = Math.Max(1, settings.UpdateInterval) };
        _seed = seed;
        foreach (var (name, parameter) in parameters)
        {
            // Matrices get their subspace (and moment shapes) on the first step.
            _states[name] = parameter.dim() == 2
                ? new MatrixState { M = zeros(0), V = zeros(0), Right = parameter.shape[0] > parameter.shape[1] }
                : new MatrixState { M = zeros_like(parameter, dtype: float32), V = zeros_like(parameter, dtype: float32) };
        }
    }

    public string Name => "adarankgrad";

    /// <summary>Current rank per projected matrix (for logs and tests).</summary>
    public IReadOnlyDictionary<string, long> Ranks => _states.Where(s => s.Value.Projector is not null).ToDictionary(s => s.Key, s => s.Value.Projector!.shape[1]);

    /// <summary>Which side each projected matrix is projected from ("left": P^T G, "right": G Q).</summary>
    public IReadOnlyDictionary<string, string> Sides => _states.Where(s => s.Value.Projector is not null).ToDictionary(s => s.Key, s => s.Value.Right ? "right" : "left");

    public void Step(double learningRate)
    {
        _steps++;
        var correction1 = 1 - Math.Pow(Beta1, _steps);
        var correction2 = 1 - Math.Pow(Beta2, _steps);
        using var noGrad = no_grad();
        for (var index = 0; index < _parameters.Count; index++)
        {
            var (name, parameter) = _parameters[index];
            // .grad is read inside the scope: each read is a new handle (see AdamWOptimizer.Step).
            using var scope = NewDisposeScope();
            if (parameter.grad is not { } gradient)
                continue;
            var state = _states[name];
            var g = gradient.to(float32);
            var projected = parameter.dim() == 2;
            Tensor r;
            if (projected)
            {
                r = state.Projector is null ? null! : Project(state, g);
                var norm = state.Projector is null ? 0 : r.norm().item<float>();
                if (state.Projector is null || _steps - state.RefreshedAt >= _settings.UpdateInterval || norm <= _settings.ConvergenceTolerance * state.ProjectedNormAtRefresh)
                {
                    Refresh(state, g, index);
                    r = Project(state, g);
                    state.ProjectedNormAtRefresh = r.norm().item<float>();
                }
            }
            else
            {
                r = g;
            }
            state.M.mul_(Beta1).add_(r, alpha: 1 - Beta1);
            state.V.mul_(Beta2).addcmul_(r, r, value: 1 - Beta2);
            var direction = (state.M / correction1) / ((state.V / correction2).sqrt_().add_(Eps));
            if (projected)
                direction = state.Right ? matmul(direction, state.Projector!.t()) : matmul(state.Projector!, direction);
            var master = parameter.to(float32);
            if (_weightDecay != 0)
                master = master * (1 - learningRate * _weightDecay);
            parameter.copy_(master - direction * learningRate);
        }
    }

    private static Tensor Project(MatrixState state, Tensor gradient) =>
        state.Right ? matmul(gradient, state.Projector!) : matmul(state.Projector!.t(), gradient);

    /// <summary>
    /// Chooses the subspace of the shorter side from a randomized SVD of <paramref name="gradient"/>. The sketch is
    /// seeded by (seed, step, matrix), so a resumed run draws the same one; the small QR and SVD run on one thread,
    /// so LAPACK's blocking cannot round differently between runs.
    /// </summary>
    private void Refresh(MatrixState state, Tensor gradient, int index)
    {
        // Work on the shorter side as rows: A [short, long].
        var a = state.Right ? gradient.t() : gradient;
        var shortSide = a.shape[0];
        var sketch = (int)Math.Min(_settings.MaxRank + Oversampling, shortSide);
        using var generator = new Generator(unchecked((ulong)(_seed * 1_000_003L + _steps * 8191L + index)));
        var omega = randn(a.shape[1], sketch, generator: generator);
        var y = matmul(a, omega);
        var threads = get_num_threads();
        Tensor basis;
        Tensor u, s, vh;
        try
        {
            set_num_threads(1);
            basis = linalg.qr(y).Q;
            for (var i = 0; i < PowerIterations; i++)
            {
                basis = linalg.qr(matmul(a.t(), basis)).Q;
                basis = linalg.qr(matmul(a, basis)).Q;
            }
            (u, s, vh) = linalg.svd(matmul(basis.t(), a), fullMatrices: false);
        }
        finally
        {
            set_num_threads(threads);
        }
        var leftVectors = matmul(basis, u);
        // Energy against the whole gradient's, not the sketch's: what the sketch misses counts as not kept.
        var total = a.pow(2).sum().clamp_min(1e-30);
        var cumulative = s.pow(2).cumsum(0) / total;
        var reached = (cumulative < _settings.EnergyThreshold).sum().item<long>() + 1;
        var rank = (int)Math.Min(Math.Min(reached, _settings.MaxRank), s.shape[0]);
        var projector = leftVectors[.., ..rank].contiguous().DetachFromDisposeScope();
        var momentShape = state.Right ? new[] { gradient.shape[0], (long)rank } : new[] { (long)rank, gradient.shape[1] };
        if (state.Projector is null || state.M.numel() == 0)
        {
            state.M.Dispose();
            state.V.Dispose();
            state.M = zeros(momentShape).DetachFromDisposeScope();
            state.V = zeros(momentShape).DetachFromDisposeScope();
        }
        else
        {
            // Left: R_new = P_new^T P_old R_old. Right: R_new = R_old Q_old^T Q_new.
            var change = matmul(projector.t(), state.Projector);
            var m = (state.Right ? matmul(state.M, change.t()) : matmul(change, state.M)).DetachFromDisposeScope();
            var v = (state.Right ? matmul(state.V, change.t().pow(2)) : matmul(change.pow(2), state.V)).DetachFromDisposeScope();
            state.M.Dispose();
            state.V.Dispose();
            state.Projector.Dispose();
            (state.M, state.V) = (m, v);
        }
        state.Projector = projector;
        state.RefreshedAt = _steps;
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
                yield return ($"adarankgrad.projected_norm.{name}", tensor(new[] { state.ProjectedNormAtRefresh }));
            }
        }
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> saved)
    {
        _steps = AdamWOptimizer.Required(saved, "adarankgrad.steps").item<long>();
        foreach (var (name, state) in _states)
        {
            var projector = saved.GetValueOrDefault($"adarankgrad.projector.{name}");
            // A checkpoint of the earlier left-only AdaRankGrad has projectors of the long side for tall matrices;
            // read as this version it would project wrongly, so it is refused rather than misread.
            if (projector is not null && state.Right && projector.shape[0] != _parameters.First(p => p.Name == name).Parameter.shape[1])
                throw new TrainerException($"the checkpoint's AdaRankGrad state for `{name}` projects from the longer side (written by an earlier lft-train); this version projects from the shorter side and cannot continue it. Start afresh in another output.dir, or without --resume.", exitCode: 1);
            // Shapes follow the saved ranks, so the tensors are replaced rather than copied into.
            state.M.Dispose();
            state.V.Dispose();
            state.Projector?.Dispose();
            state.M = AdamWOptimizer.Required(saved, $"adarankgrad.exp_avg.{name}").clone();
            state.V = AdamWOptimizer.Required(saved, $"adarankgrad.exp_avg_sq.{name}").clone();
            state.Projector = projector?.clone();
            state.RefreshedAt = saved.TryGetValue($"adarankgrad.refreshed_at.{name}", out var refreshedAt) ? refreshedAt.item<long>() : 0;
            // Absent in checkpoints of the earlier energy-switching version: 0 keeps that subspace until T steps have passed.
            state.ProjectedNormAtRefresh = saved.TryGetValue($"adarankgrad.projected_norm.{name}", out var norm) ? norm.to(float64).item<double>() : 0;
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
