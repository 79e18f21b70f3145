using System.Globalization;

namespace LspFineTune.Trainer.Cli;

/// <summary>A tiny argument reader: positional arguments plus --name value / --flag options, with clear usage errors.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _repeated = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    /// <param name="repeatable">Valued options that may be given more than once (--set); read them with <see cref="Values"/>.</param>
    public static CommandLine Parse(IEnumerable<string> arguments, IReadOnlySet<string> flags, IReadOnlySet<string> valued, IReadOnlySet<string>? repeatable = null)
    {
        var result = new CommandLine();
        using var enumerator = arguments.GetEnumerator();
        while (enumerator.MoveNext())
        {
            var argument = enumerator.Current;
            if (!argument.StartsWith("--", StringComparison.Ordinal))
            {
                result.Positional.Add(argument);
                continue;
            }
            var name = argument[2..];
            string? inline = null;
            var equals = name.IndexOf('=');
            if (equals >= 0)
                (name, inline) = (name[..equals], name[(equals + 1)..]);
            if (repeatable?.Contains(name) == true)
            {
                if (!result._repeated.TryGetValue(name, out var values))
                    result._repeated[name] = values = [];
                values.Add(inline ?? (enumerator.MoveNext() ? enumerator.Current : throw Usage($"--{name} needs a value.")));
            }
            else if (flags.Contains(name))
                result._options[name] = null;
            else if (valued.Contains(name))
                result._options[name] = inline ?? (enumerator.MoveNext() ? enumerator.Current : throw Usage($"--{name} needs a value."));
            else
                throw Usage($"unknown option --{name}.");
        }
        return result;
    }

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Value(string name) => _options.GetValueOrDefault(name);

    public IReadOnlyList<string> Values(string name) => _repeated.GetValueOrDefault(name) ?? [];

    public long? Long(string name) => Value(name) is { } text
        ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : throw Usage($"--{name} takes a positive integer, not `{text}`.")
        : null;

    public static TrainerException Usage(string message) => new($"{message} Run `lft-train --help` for usage.");
}
