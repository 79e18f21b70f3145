namespace LspFineTune.Server.Cli;

/// <summary>A usage mistake: printed as one line on stderr with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The files, flags and options of one verb. Unknown flags are usage errors, never silently ignored.</summary>
public sealed class CommandArguments
{
    private CommandArguments(IReadOnlyList<string> files, IReadOnlySet<string> flags, IReadOnlyDictionary<string, string> options)
    {
        Files = files;
        Flags = flags;
        Options = options;
    }

    public IReadOnlyList<string> Files { get; }

    public IReadOnlySet<string> Flags { get; }

    public IReadOnlyDictionary<string, string> Options { get; }

    public bool Has(string flag) => Flags.Contains(flag);

    public string? Option(string name) => Options.TryGetValue(name, out var value) ? value : null;

    public static CommandArguments Parse(string[] args, string[] flags, string[] options)
    {
        var files = new List<string>();
        var seenFlags = new HashSet<string>();
        var seenOptions = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (flags.Contains(arg))
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
                var known = string.Join(", ", flags.Concat(options));
                throw new UsageException($"unknown option `{arg}`" + (known.Length > 0 ? $" (known: {known})" : ""));
            }
            else
            {
                files.Add(arg);
            }
        }
        return new CommandArguments(files, seenFlags, seenOptions);
    }

    /// <summary>The single FILE a verb takes.</summary>
    public string SingleFile()
    {
        if (Files.Count != 1)
            throw new UsageException(Files.Count == 0 ? "needs a config FILE" : "takes one config FILE");
        return Files[0];
    }
}
