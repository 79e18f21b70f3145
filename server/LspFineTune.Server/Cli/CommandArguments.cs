namespace LspFineTune.Server.Cli;

/// <summary>A usage mistake: printed as one line on stderr with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The files, flags and options of one verb. Unknown flags are usage errors, never silently ignored.</summary>
public sealed class CommandArguments
{
    private CommandArguments(IReadOnlyList<string> files, IReadOnlySet<string> flags, IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, List<string>>? repeated = null)
    {
        _repeated = repeated ?? new Dictionary<string, List<string>>();
        Files = files;
        Flags = flags;
        Options = options;
    }

    private readonly IReadOnlyDictionary<string, List<string>> _repeated;

    public IReadOnlyList<string> Files { get; }

    /// <summary>Every value of an option that may be given more than once (lft sweep's --space), in order.</summary>
    public IReadOnlyList<string> All(string name) => _repeated.TryGetValue(name, out var values) ? values : [];

    public IReadOnlySet<string> Flags { get; }

    public IReadOnlyDictionary<string, string> Options { get; }

    public bool Has(string flag) => Flags.Contains(flag);

    public string? Option(string name) => Options.TryGetValue(name, out var value) ? value : null;

    public static CommandArguments Parse(string[] args, string[] flags, string[] options, string[]? repeatable = null)
    {
        repeatable ??= [];
        var repeated = new Dictionary<string, List<string>>();
        var files = new List<string>();
        var seenFlags = new HashSet<string>();
        var seenOptions = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (repeatable.Contains(arg) || (arg.Contains('=') && repeatable.Contains(arg[..arg.IndexOf('=')])))
            {
                var name = arg.Contains('=') ? arg[..arg.IndexOf('=')] : arg;
                if (!arg.Contains('=') && i + 1 >= args.Length)
                    throw new UsageException($"{arg} needs a value");
                if (!repeated.TryGetValue(name, out var values))
                    repeated[name] = values = [];
                values.Add(arg.Contains('=') ? arg[(arg.IndexOf('=') + 1)..] : args[++i]);
            }
            else if (flags.Contains(arg))
            {
                seenFlags.Add(arg);
            }
            else if (options.Contains(arg))
            {
                if (i + 1 >= args.Length)
                    throw new UsageException($"{arg} needs a value");
                seenOptions[arg] = args[++i];
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=') && options.Contains(arg[..arg.IndexOf('=')]))
            {
                seenOptions[arg[..arg.IndexOf('=')]] = arg[(arg.IndexOf('=') + 1)..];
            }
            else if (arg.StartsWith('-') && arg.Length > 1)
            {
                var known = string.Join(", ", flags.Concat(options).Concat(repeatable));
                throw new UsageException($"unknown option `{arg}`" + (known.Length > 0 ? $" (known: {known})" : ""));
            }
            else
            {
                files.Add(arg);
            }
        }
        return new CommandArguments(files, seenFlags, seenOptions, repeated);
    }

    /// <summary>The single FILE a verb takes.</summary>
    public string SingleFile()
    {
        if (Files.Count != 1)
            throw new UsageException(Files.Count == 0 ? "needs a config FILE" : "takes one config FILE");
        return Files[0];
    }
}
