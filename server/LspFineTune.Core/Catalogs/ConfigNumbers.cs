namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The numbers of a config.json object by key (booleans as 0/1), for layout builders that need keys the reader does
/// not name. Compared by content, so two reads of the same config.json give equal architectures.
/// </summary>
public sealed class ConfigNumbers(IReadOnlyDictionary<string, double> values) : IEquatable<ConfigNumbers>
{
    public static ConfigNumbers Empty { get; } = new(new Dictionary<string, double>());

    public double? this[string key] => values.TryGetValue(key, out var value) ? value : null;

    /// <summary>The value of the first of <paramref name="keys"/> present, as an integer.</summary>
    public int? Int(params string[] keys) => keys.Select(key => this[key]).FirstOrDefault(value => value is not null) is { } found ? (int)found : null;

    public bool Equals(ConfigNumbers? other) =>
        other is not null && values.Count == other.Count && values.All(pair => other[pair.Key] == pair.Value);

    public int Count => values.Count;

    public override bool Equals(object? obj) => Equals(obj as ConfigNumbers);

    public override int GetHashCode() => values.Count;
}
