using System.Globalization;

namespace LspFineTune.Core.Tuning;

/// <summary>One hyperparameter a search varies, with the range it is drawn from.</summary>
public abstract record SearchDimension(string Name)
{
    /// <summary>The value as the config writes it.</summary>
    public abstract string Format(double value);

    /// <summary>The value of <paramref name="text"/> in this dimension's terms, or null when it is not one of its values.</summary>
    public abstract double? Parse(string text);
}

/// <summary>A real number drawn uniformly, or uniformly in its logarithm (learning rates: Oliver and Wang 2024 search
/// them on a log scale, as every Bayesian-optimisation library does).</summary>
public sealed record RealDimension(string Name, double Low, double High, bool Log) : SearchDimension(Name)
{
    /// <remarks>The mantissa always has a point (<c>1.0e-3</c>): PyYAML, the loader of axolotl, LLaMA-Factory and TRL,
    /// reads <c>1e-3</c> as a string.</remarks>
    public override string Format(double value) => value.ToString(Log || Math.Abs(value) < 1e-3 ? "0.0##e+0" : "0.#####", CultureInfo.InvariantCulture);

    public override double? Parse(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= Low && value <= High ? value : null;
}

/// <summary>A whole number in a range (LoRA rank, warm-up steps), uniformly or in its logarithm.</summary>
public sealed record IntegerDimension(string Name, long Low, long High, bool Log) : SearchDimension(Name)
{
    public override string Format(double value) => ((long)Math.Round(value)).ToString(CultureInfo.InvariantCulture);

    public override double? Parse(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= Low && value <= High ? value : null;
}

/// <summary>One of a list of values as written (a micro-batch with the accumulation that keeps the global batch,
/// <c>4x2</c>; a LoRA rank from 8, 16, 32); the value a search holds is the index.</summary>
public sealed record ChoiceDimension(string Name, IReadOnlyList<string> Values) : SearchDimension(Name)
{
    public override string Format(double value) => Values[(int)Math.Clamp(Math.Round(value), 0, Values.Count - 1)];

    public override double? Parse(string text) => Values.ToList().IndexOf(text) is >= 0 and var index ? index : null;
}

/// <summary>The hyperparameters a search varies, each independently (a univariate tree-structured Parzen estimator).</summary>
public sealed record SearchSpace(IReadOnlyList<SearchDimension> Dimensions)
{
    public SearchDimension this[string name] => Dimensions.First(d => d.Name == name);

    /// <summary>A trial's parameters as the config writes them.</summary>
    public IReadOnlyDictionary<string, string> Format(IReadOnlyDictionary<string, double> values) =>
        Dimensions.Where(d => values.ContainsKey(d.Name)).ToDictionary(d => d.Name, d => d.Format(values[d.Name]), StringComparer.Ordinal);
}
