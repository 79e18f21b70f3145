using System.Text.RegularExpressions;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// A model name split into its family ("qwen3", "llama3.2", "gemma2", "mistral"), its size ("8b", "30b-a3b", "mini",
/// "medium") and the rest ("v0.1", "vision"), for a did-you-mean that stays within a family. Separators inside the
/// family are dropped, so "Qwen-3", "qwen3" and "Qwen3" are one family, and "gemma2" is "gemma-2"; a generation is its
/// own family ("qwen2.5" is not "qwen3"). <see cref="Line"/> is the family without its generation ("qwen"), to label a
/// suggestion from another generation as such.
/// </summary>
public sealed record ModelNameParts(string Family, string? Size, string Rest)
{
    /// <summary>A size with a unit: 8b, 135m, 8x7b, a3b (active), e2b (Gemma 3n's effective), 16e (experts).</summary>
    private static readonly Regex NumericSize = new(@"^(?:\d+(?:\.\d+)?[bm]|\d+x\d+(?:\.\d+)?b|a\d+(?:\.\d+)?b|e\d+b|\d+e)$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>A size by name (gpt2-medium, phi-3-mini, DeepSeek-V2-Lite); only a size when no numeric size follows, since
    /// "Mistral-Small-3.1-24B" is the Mistral Small family at 24B, not Mistral at "small".</summary>
    private static readonly Regex NamedSize = new(@"^(?:mini|small|medium|large|xl|tiny|nano|micro|lite|flash|air)$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    /// <summary>"1_6b" (stablelm-2-1_6b): in a name that separates with hyphens, an underscore between digits is a
    /// decimal point. (torchtune's builder names separate with underscores too, qwen2_5_0_5b; they resolve by alias.)</summary>
    private static readonly Regex UnderscoreDecimal = new(@"(?<=\d)_(?=\d)", RegexOptions.CultureInvariant);

    /// <summary>The generation at the end of a family ("3.2" of llama3.2, "v2" of deepseekv2), for <see cref="Line"/>.</summary>
    private static readonly Regex GenerationPattern = new(@"v?\d+(?:\.\d+)*[a-z]?$", RegexOptions.CultureInvariant);

    public string Line => GenerationPattern.Replace(Family, "") is { Length: > 0 } line ? line : Family;

    /// <summary>The family's generation ("3.2" of llama3.2, "v2" of deepseekv2); empty for a family without one.</summary>
    public string Generation => Family[Line.Length..];

    /// <summary>Parses a hub id or catalog id: the organisation and the derivation suffixes go first (<see cref="ModelIdentity"/>).</summary>
    public static ModelNameParts Parse(string name)
    {
        var identity = ModelIdentity.Parse(name);
        var text = identity.BaseName.ToLowerInvariant();
        if (text.Contains('-'))
            text = UnderscoreDecimal.Replace(text, ".");
        var tokens = text.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries);
        var first = Array.FindIndex(tokens, t => NumericSize.IsMatch(t));
        if (first < 0)
            first = Array.FindIndex(tokens, t => NamedSize.IsMatch(t));
        if (first < 0)
            return new ModelNameParts(string.Concat(tokens), null, "");
        if (first == 0)
            return new ModelNameParts(tokens[0], null, string.Join('-', tokens.Skip(1)));
        var last = first;
        while (last + 1 < tokens.Length && (NumericSize.IsMatch(tokens[last + 1]) || NamedSize.IsMatch(tokens[last + 1])))
            last++;
        return new ModelNameParts(
            string.Concat(tokens.Take(first)),
            string.Join('-', tokens[first..(last + 1)]),
            string.Join('-', tokens.Skip(last + 1)));
    }
}
