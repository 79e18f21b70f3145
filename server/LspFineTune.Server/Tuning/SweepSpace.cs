using System.Globalization;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tuning;

namespace LspFineTune.Server.Tuning;

/// <summary>
/// What `lft sweep` varies, read from the config: each dimension is named by the key the document's own dialect writes
/// (native <c>optimizer.learning_rate</c>, axolotl <c>learning_rate</c>), so a trial's parameters are `--set` overrides
/// and the best one is an edit of that key. The micro-batch dimension also sets the accumulation that keeps the
/// global batch (the same optimisation, a different memory and speed).
/// </summary>
public sealed class SweepSpace
{
    private readonly string? _accumulationKey;
    private readonly string? _microBatchKey;
    private readonly int _globalBatch;

    private SweepSpace(SearchSpace space, IReadOnlyDictionary<string, string> baseline, string? microBatchKey, string? accumulationKey, int globalBatch)
    {
        Space = space;
        Baseline = baseline;
        _microBatchKey = microBatchKey;
        _accumulationKey = accumulationKey;
        _globalBatch = globalBatch;
    }

    public SearchSpace Space { get; }

    /// <summary>The config's own value of each dimension, as written for it.</summary>
    public IReadOnlyDictionary<string, string> Baseline { get; }

    /// <summary>The default space around <paramref name="plan"/>'s values, then <paramref name="overrides"/>
    /// (`KEY=lo..hi` or `KEY=V1,V2,...`), each of which replaces or adds the dimension of its key.</summary>
    public static SweepSpace From(TrainingPlan plan, IDialectVocabulary vocabulary, IReadOnlyList<string> overrides)
    {
        var dimensions = new List<SearchDimension>();
        var baseline = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(PlanField field, SearchDimension? dimension, string value)
        {
            if (dimension is null || vocabulary.Key(field) is not { } key)
                return;
            dimensions.Add(dimension with { Name = key });
            baseline[key] = value;
        }
        string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        var rate = plan.Optimizer.LearningRate;
        // A decade either way, on a log scale: where learning rates that work for a model and method lie.
        Add(PlanField.LearningRate, new RealDimension("", rate / 10, rate * 10, Log: true), Text(rate));
        if (plan.Method.Type == FineTuneMethod.Lora)
        {
            Add(PlanField.LoraRank, new ChoiceDimension("", ["4", "8", "16", "32"]), plan.Method.Lora.Rank.ToString(CultureInfo.InvariantCulture));
            Add(PlanField.LoraAlpha, new ChoiceDimension("", ["8", "16", "32", "64"]), Text(plan.Method.Lora.Alpha));
        }
        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            var epsilon = plan.Method.ZerothOrder.Epsilon;
            Add(PlanField.ZerothOrderEpsilon, new RealDimension("", epsilon / 10, epsilon * 10, Log: true), Text(epsilon));
        }
        if (plan.Optimizer.Type == OptimizerType.AdaRankGrad && plan.Method.Type != FineTuneMethod.ZerothOrder)
            Add(PlanField.AdaRankGradMaxRank, new ChoiceDimension("", ["4", "8", "16", "32", "64"]), plan.Optimizer.AdaRankGrad.MaxRank.ToString(CultureInfo.InvariantCulture));
        var steps = plan.Training.MaxSteps ?? 1000;
        Add(PlanField.WarmupSteps, new IntegerDimension("", 0, Math.Max(1, steps / 5), Log: false), plan.Optimizer.WarmupSteps.ToString(CultureInfo.InvariantCulture));
        if (plan.Method.Type != FineTuneMethod.ZerothOrder)
            Add(PlanField.WeightDecay, new ChoiceDimension("", ["0", "0.01", "0.1"]), Text(plan.Optimizer.WeightDecay));

        var micro = plan.Training.MicroBatchSize;
        var globalBatch = micro * plan.Training.GradientAccumulationSteps;
        // Divisors of the global batch down to a quarter of it: smaller micro-batches only cost time on a CPU.
        var micros = Enumerable.Range(1, globalBatch).Where(d => globalBatch % d == 0 && d * 4 >= globalBatch).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList();
        var microKey = vocabulary.Key(PlanField.MicroBatchSize);
        var accumulationKey = vocabulary.Key(PlanField.GradientAccumulationSteps);
        if (micros.Count > 1 && accumulationKey is not null)
            Add(PlanField.MicroBatchSize, new ChoiceDimension("", micros), micro.ToString(CultureInfo.InvariantCulture));

        foreach (var text in overrides)
        {
            var dimension = ParseOverride(text);
            dimensions.RemoveAll(d => d.Name == dimension.Name);
            dimensions.Add(dimension);
        }
        return new SweepSpace(new SearchSpace(dimensions), baseline, microKey, accumulationKey, globalBatch);
    }

    /// <summary>`KEY=lo..hi` (a log scale when the range spans a factor of 10 or more; whole numbers give an integer
    /// dimension) or `KEY=V1,V2,...` (a choice); a <see cref="FormatException"/> says what is wrong.</summary>
    public static SearchDimension ParseOverride(string text)
    {
        var equals = text.IndexOf('=');
        var key = equals > 0 ? text[..equals].Trim() : "";
        var value = equals > 0 ? text[(equals + 1)..].Trim() : "";
        if (key.Length == 0 || value.Length == 0)
            throw new FormatException($"--space `{text}` is not KEY=lo..hi or KEY=V1,V2,... (e.g. optimizer.learning_rate=1e-4..1e-2)");
        var range = value.Split("..");
        if (range.Length == 2)
        {
            const NumberStyles number = NumberStyles.Float;
            if (!double.TryParse(range[0], number, CultureInfo.InvariantCulture, out var low) || !double.TryParse(range[1], number, CultureInfo.InvariantCulture, out var high) || !(low < high))
                throw new FormatException($"--space `{text}`: a range is two numbers, the lower first (e.g. 1e-4..1e-2)");
            var log = low > 0 && high / low >= 10;
            var whole = long.TryParse(range[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lowInteger) & long.TryParse(range[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var highInteger);
            return whole ? new IntegerDimension(key, lowInteger, highInteger, log) : new RealDimension(key, low, high, log);
        }
        var values = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == 0)
            throw new FormatException($"--space `{text}` lists no values");
        return new ChoiceDimension(key, values);
    }

    /// <summary>A trial's parameters as config changes (the micro-batch with its accumulation).</summary>
    public IReadOnlyList<ConfigChange> Changes(IReadOnlyDictionary<string, string> parameters)
    {
        var changes = new List<ConfigChange>();
        foreach (var (key, value) in parameters)
        {
            changes.Add(new ConfigChange(key, value));
            if (key == _microBatchKey && _accumulationKey is not null && int.TryParse(value, CultureInfo.InvariantCulture, out var micro) && micro > 0 && _globalBatch % micro == 0)
                changes.Add(new ConfigChange(_accumulationKey, (_globalBatch / micro).ToString(CultureInfo.InvariantCulture)));
        }
        return changes;
    }
}
