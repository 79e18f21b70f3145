using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// The <c># lft: ...</c> comment in a YAML document's first five lines (yaml-language-server's
/// <c># yaml-language-server: $schema=</c> and taplo's <c>#:schema</c> directive are the models): <c>config</c> marks a
/// native config, <c>dialect=axolotl</c> forces a dialect, <c>gpu=h100-sxm gpus_per_node=8 nodes=2</c> state the
/// hardware, which no real format holds; <c>accelerate=PATH</c> and <c>recipe=NAME</c> name what the launch command line
/// would (the accelerate config, the torchtune recipe). Several <c># lft:</c> lines combine.
/// </summary>
public sealed record Modeline
{
    public const int MaxLines = 5;

    public static readonly Modeline None = new();

    /// <summary><c># lft: config</c>: the document is a native config whatever its name.</summary>
    public bool MarksNativeConfig { get; init; }

    public string? Dialect { get; init; }

    public string? Gpu { get; init; }

    public int? GpusPerNode { get; init; }

    public int? Nodes { get; init; }

    /// <summary><c>accelerate=PATH</c>: the accelerate config the run is launched with (<c>accelerate launch --config_file</c>).</summary>
    public string? Accelerate { get; init; }

    /// <summary><c>recipe=NAME</c>: the torchtune recipe the config is run with (<c>tune run NAME --config ...</c>).</summary>
    public string? Recipe { get; init; }

    /// <summary><c>longest_tokens=N</c>: the longest example of the data in tokens, when the data is not at hand (an
    /// unpacked batch is padded to its longest example, so the peak memory comes with it).</summary>
    public int? LongestTokens { get; init; }

    /// <summary><c>mean_tokens=N</c>: the examples' mean length in tokens, for the time of an unpacked step.</summary>
    public int? MeanTokens { get; init; }

    /// <summary>The line of the first <c># lft:</c> comment (where a writer updates the hardware), or null.</summary>
    public int? Line { get; init; }

    /// <summary>The whole range of each setting, for diagnostics about it (an unknown GPU id).</summary>
    public IReadOnlyDictionary<string, TextRange> Ranges { get; init; } = new Dictionary<string, TextRange>();

    /// <summary>Words it could not read ("gpus=8"), reported so a typo is not silently ignored.</summary>
    public IReadOnlyList<(string Word, TextRange Range)> Unknown { get; init; } = [];

    /// <summary>Settings it knows with a value it cannot use (<c>nodes=0</c>, <c>gpus_per_node=1e400</c>), and why.</summary>
    public IReadOnlyList<(string Word, TextRange Range, string Problem)> Invalid { get; init; } = [];

    /// <summary>The largest count a setting takes: torch.distributed numbers processes and tensor sizes with
    /// 32-bit ranks and int64 sizes, and this tool holds counts as int.</summary>
    public const int MaxCount = int.MaxValue;

    public static Modeline Parse(string text)
    {
        var result = None;
        var ranges = new Dictionary<string, TextRange>();
        var unknown = new List<(string, TextRange)>();
        var invalid = new List<(string, TextRange, string)>();
        var lineStart = 0;
        for (var line = 0; line < MaxLines && lineStart <= text.Length; line++)
        {
            var end = text.IndexOf('\n', lineStart);
            var content = (end < 0 ? text[lineStart..] : text[lineStart..end]).TrimEnd('\r');
            lineStart = end < 0 ? text.Length + 1 : end + 1;
            var trimmed = content.TrimStart();
            if (!trimmed.StartsWith('#'))
                continue;
            var body = trimmed[1..].TrimStart();
            if (!body.StartsWith("lft:", StringComparison.Ordinal))
                continue;
            result = result with { Line = result.Line ?? line };
            var offset = content.Length - body.Length + 4;
            foreach (var (word, column) in Words(body[4..], offset))
            {
                var range = TextRange.FromBounds(line, column, line, column + word.Length);
                var equals = word.IndexOf('=');
                var name = equals < 0 ? word : word[..equals];
                var value = equals < 0 ? "" : word[(equals + 1)..];
                switch (name)
                {
                    case "config" when equals < 0:
                        result = result with { MarksNativeConfig = true };
                        break;
                    case "dialect" when value.Length > 0:
                        result = result with { Dialect = value };
                        ranges["dialect"] = range;
                        break;
                    case "gpu" when value.Length > 0:
                        result = result with { Gpu = value };
                        ranges["gpu"] = range;
                        break;
                    case "gpus_per_node" or "gpus-per-node":
                        if (Count(value) is not { } gpus)
                        {
                            invalid.Add((word, range, CountExpected("gpus_per_node", value)));
                            break;
                        }
                        result = result with { GpusPerNode = gpus };
                        ranges["gpus_per_node"] = range;
                        break;
                    case "nodes":
                        if (Count(value) is not { } nodes)
                        {
                            invalid.Add((word, range, CountExpected("nodes", value)));
                            break;
                        }
                        result = result with { Nodes = nodes };
                        ranges["nodes"] = range;
                        break;
                    case "accelerate" when value.Length > 0:
                        result = result with { Accelerate = value };
                        ranges["accelerate"] = range;
                        break;
                    case "longest_tokens":
                        if (Count(value) is not { } longest)
                        {
                            invalid.Add((word, range, CountExpected("longest_tokens", value)));
                            break;
                        }
                        result = result with { LongestTokens = longest };
                        ranges["longest_tokens"] = range;
                        break;
                    case "mean_tokens":
                        if (Count(value) is not { } mean)
                        {
                            invalid.Add((word, range, CountExpected("mean_tokens", value)));
                            break;
                        }
                        result = result with { MeanTokens = mean };
                        ranges["mean_tokens"] = range;
                        break;
                    case "recipe" when value.Length > 0:
                        result = result with { Recipe = value };
                        ranges["recipe"] = range;
                        break;
                    default:
                        unknown.Add((word, range));
                        break;
                }
            }
        }
        return result.Line is null ? None : result with { Ranges = ranges, Unknown = unknown, Invalid = invalid };
    }

    private static int? Count(string value) => int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count >= 1 ? count : null;

    private static string CountExpected(string name, string value) =>
        $"`{name}` takes a whole number from 1 to {MaxCount:N0}, not `{(value.Length > 40 ? value[..37] + "..." : value)}`; this setting is ignored.";

    private static IEnumerable<(string Word, int Column)> Words(string text, int offset)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
                i++;
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
                i++;
            if (i > start)
                yield return (text[start..i], offset + start);
        }
    }
}
