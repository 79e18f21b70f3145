using System.Text.Json;
using LspFineTune.Core.Files;

namespace LspFineTune.Core.Planning;

/// <summary>
/// Counts the examples of a JSON-lines data file and estimates their mean length in tokens, for the runtime
/// estimate when the config does not give <c>data.num_examples</c> and <c>data.mean_tokens_per_example</c>.
/// Tokens are estimated at 4 characters each, OpenAI's rule of thumb for English BPE text; the trainer measures exactly.
/// </summary>
public static class DataFileStatistics
{
    public const double CharactersPerToken = 4.0;

    /// <summary>Lengths kept for the padding model: a uniform sample of this many resolves the longest of any batch the
    /// quantiles can (LengthProfile keeps 512), at a bounded cost.</summary>
    public const int MaxSampledLengths = 65_536;

    /// <summary>Reads at most this many bytes, so a huge data file never stalls the editor.</summary>
    public const long MaxBytesRead = 64L * 1024 * 1024;

    /// <summary>A line is parsed as JSON up to this many characters; a longer one counts by its raw length.</summary>
    public const int MaxParsedLineCharacters = 4 * 1024 * 1024;

    /// <param name="Lengths">The examples' lengths in tokens (of the part read), for padding to the longest of a batch.</param>
    public sealed record Result(long Examples, double MeanTokens, bool Truncated, LengthProfile? Lengths = null);

    public static Result? TryRead(string path, out string? error) => TryRead(path, Files.AuxiliaryFileCache.Shared, out error);

    /// <summary>The statistics of a data file, computed once per version of the file (path, size, modification time).</summary>
    public static Result? TryRead(string path, Files.IAuxiliaryFiles files, out string? error)
    {
        var length = files.Stat(path).Length;
        return files.Derive(path, "data-statistics", stream => Compute(stream, length), out error);
    }

    private static Result Compute(Stream stream, long fileLength)
    {
        // At most the cap is read, also of a single line: a file of one 10 GB line costs no more than any other.
        using var text = new StreamReader(new ReadLimitedStream(stream, MaxBytesRead));
        var reader = new BoundedLineReader(text, MaxParsedLineCharacters);
        long examples = 0, characters = 0, bytesRead = 0;
        var truncated = false;
        // A uniform sample of the lengths (reservoir sampling, fixed seed: the same file gives the same estimate), so a file
        // of millions of short lines costs a bounded list; the longest example is kept apart, since the peak comes with it.
        var lengths = new List<double>();
        var sampler = new Random(17);
        var longest = 0.0;
        while (reader.ReadLine(out var lineLength, out var cut) is { } line)
        {
            bytesRead += lineLength + 1;
            if (bytesRead > MaxBytesRead || (fileLength > MaxBytesRead && !reader.LastLineEnded))
            {
                truncated = true;
                break;
            }
            if (string.IsNullOrWhiteSpace(line))
                continue;
            examples++;
            var exampleCharacters = cut ? lineLength : TextLength(line);
            characters += exampleCharacters;
            var tokens = exampleCharacters / CharactersPerToken;
            longest = Math.Max(longest, tokens);
            if (lengths.Count < MaxSampledLengths)
                lengths.Add(tokens);
            else if (sampler.NextInt64(examples) is var slot && slot < MaxSampledLengths)
                lengths[(int)slot] = tokens;
        }
        if (truncated)
        {
            // Extrapolate from the part read to the whole file.
            var scale = fileLength / (double)bytesRead;
            examples = (long)(examples * scale);
            characters = (long)(characters * scale);
        }
        if (examples > MaxSampledLengths)
            lengths.Add(longest);
        return new Result(examples, examples == 0 ? 0 : characters / CharactersPerToken / examples, truncated, LengthProfile.FromLengths(lengths, "the train file"));
    }

    /// <summary>The characters of text, or prompt + completion; a line that is not such JSON counts as its raw length.</summary>
    private static int TextLength(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return line.Length;
            var length = 0;
            // Plain text, prompt-completion, alpaca (instruction, input, output) and chat (messages[].content) rows.
            foreach (var key in new[] { "text", "prompt", "completion", "instruction", "input", "output" })
            {
                if (root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
                    length += value.GetString()!.Length;
            }
            foreach (var key in new[] { "messages", "conversations" })
            {
                if (!root.TryGetProperty(key, out var turns) || turns.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var turn in turns.EnumerateArray())
                {
                    if (turn.ValueKind == JsonValueKind.Object && (turn.TryGetProperty("content", out var content) || turn.TryGetProperty("value", out content)) && content.ValueKind == JsonValueKind.String)
                        length += content.GetString()!.Length;
                }
            }
            return length > 0 ? length : line.Length;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with a lone surrogate (\ud800) parses but cannot be read as text.
            return line.Length;
        }
    }
}
