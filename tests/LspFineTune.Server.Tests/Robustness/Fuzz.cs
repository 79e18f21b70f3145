using System.Globalization;
using System.Text;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Seeded generators for fuzz input: random text, mutations of the examples, hostile shapes (deep nesting, huge lines)
/// and positions/ranges that are often out of range. Everything comes from the <see cref="Random"/> passed in, so a
/// failing seed reproduces exactly.
/// </summary>
public static class Fuzz
{
    public static readonly string[] ExampleNames = Directory.GetFiles(Lsp.ExamplesFolder, "*.lft.*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>Pieces a random text is made of: YAML/JSON punctuation, keys, and awkward characters.</summary>
    private static readonly string[] Atoms =
    [
        "model", "hardware", "gpu", ":", " ", "  ", "\n", "\r\n", "\r", "\t", "-", "- ", "[", "]", "{", "}", ",", "\"", "'", "#",
        "&a", "*a", "!!str", "|", ">", "---", "...", "null", "~", "1e309", "-0", "0x1F", "99999999999999999999", "a100-80gb",
        "\u0000", "\u001f", "\u00e9", "\u200b", "\ufeff", "\ufffd", "😀", "𝔘", "\u0301", "日本", "\\", "\\u0000", "%", "<<:",
    ];

    public static string RandomText(Random random, int atoms)
    {
        var text = new StringBuilder();
        for (var i = 0; i < atoms; i++)
            text.Append(Atoms[random.Next(Atoms.Length)]);
        return text.ToString();
    }

    /// <summary>A starting document: an example, random atoms, random bytes read as UTF-8 or Latin-1, or a hostile shape.</summary>
    public static (string Kind, string Text) Document(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                return ("random atoms", RandomText(random, random.Next(0, 400)));
            case 1:
            {
                var bytes = new byte[random.Next(0, 3000)];
                random.NextBytes(bytes);
                return random.Next(2) == 0 ? ("random bytes as UTF-8", Encoding.UTF8.GetString(bytes)) : ("random bytes as Latin-1", Encoding.Latin1.GetString(bytes));
            }
            case 2:
                return random.Next(4) switch
                {
                    0 => ("10,000 [", new string('[', 10_000)),
                    1 => ("10,000 {", new string('{', 10_000)),
                    2 => ("nested YAML block mappings", string.Concat(Enumerable.Range(0, 2_000).Select(i => new string(' ', i) + "k:\n"))),
                    _ => ("nested flow sequences", "model: " + new string('[', 5_000) + new string(']', 5_000)),
                };
            case 3:
                // Huge lines where no "did you mean" runs: that search is O(length) per known name, so a 200,000-char
                // model name takes seconds (reported, not fixed here: it is in LspFineTune.Core).
                var example = Lsp.Example(ExampleNames[random.Next(ExampleNames.Length)]);
                return random.Next(3) switch
                {
                    0 => ("huge comment line", "# " + new string('x', 500_000) + "\n" + example),
                    1 => ("huge value", example + "\noutput:\n  dir: " + RandomText(random, 20_000).Replace("\n", " ", StringComparison.Ordinal) + "\n"),
                    _ => ("long model name", "model:\n  name: " + new string('x', 5_000) + "\nhardware:\n  gpu: a100-80gb\n"),
                };
            default:
            {
                var name = ExampleNames[random.Next(ExampleNames.Length)];
                var text = Lsp.Example(name);
                var mutations = random.Next(0, 8);
                for (var i = 0; i < mutations; i++)
                    text = Mutate(random, text);
                return ($"{name} with {mutations} mutations", text);
            }
        }
    }

    /// <summary>One random edit of a text: characters or lines deleted, inserted, duplicated, swapped.</summary>
    public static string Mutate(Random random, string text)
    {
        if (text.Length == 0)
            return RandomText(random, 5);
        var at = random.Next(text.Length);
        var length = Math.Min(random.Next(1, 40), text.Length - at);
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        switch (random.Next(8))
        {
            case 0:
                return text.Remove(at, length);
            case 1:
                return text.Insert(at, RandomText(random, random.Next(1, 6)));
            case 2:
                return text.Insert(at, text.Substring(at, length));
            case 3:
                lines.RemoveAt(line);
                return string.Join('\n', lines);
            case 4:
                lines.Insert(line, lines[line]);
                return string.Join('\n', lines);
            case 5:
                var other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
            case 6:
                // Re-indent a line: YAML's structure is all in the indentation.
                lines[line] = new string(' ', random.Next(0, 9)) + lines[line].TrimStart();
                return string.Join('\n', lines);
            default:
                return text.Insert(at, new string(text[at], random.Next(1, 200)));
        }
    }

    /// <summary>
    /// JSON number literals at and past the limits of the types LSP uses (integer, uinteger, a long, a double), plus
    /// forms an integer field must refuse (fractions, exponents, negative zero). Text, since most cannot be JsonNodes.
    /// </summary>
    private static readonly string[] NumberLiterals =
    [
        "0", "-0", "-1", "1", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
        "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "123456789012345678901234567890", "1e2", "1E-7", "1.5", "0.0", "-0.0", "1e308", "1e400", "-1e400", "4.9e-324",
    ];

    public static string NumberLiteral(Random random) => NumberLiterals[random.Next(NumberLiterals.Length)];

    /// <summary>Replaces each <c>NUM</c> in <paramref name="template"/> with its own random <see cref="NumberLiteral"/>.</summary>
    public static string WithNumbers(Random random, string template)
    {
        var parts = template.Split("NUM");
        var text = new StringBuilder(parts[0]);
        foreach (var part in parts.Skip(1))
            text.Append(NumberLiteral(random)).Append(part);
        return text.ToString();
    }

    /// <summary>A line or character number: usually inside the text, sometimes just past it, negative, or extreme.</summary>
    public static int Coordinate(Random random, int size) => random.Next(12) switch
    {
        0 => -random.Next(1, 5),
        1 => size + random.Next(0, 5),
        2 => int.MaxValue,
        3 => int.MinValue,
        4 => 0,
        _ => random.Next(0, Math.Max(1, size)),
    };

    public static (int Line, int Character) Position(Random random, string text)
    {
        var lines = text.Split('\n');
        var line = Coordinate(random, lines.Length);
        var width = line >= 0 && line < lines.Length ? lines[line].Length : 20;
        return (line, Coordinate(random, width));
    }

    /// <summary>JSON text of a string, escaping every non-ASCII or control char as \uXXXX (lone surrogates included).</summary>
    public static string JsonString(string value)
    {
        var json = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c == '"' || c == '\\')
                json.Append('\\').Append(c);
            else if (c < 0x20 || c > 0x7e)
                json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                json.Append(c);
        }
        return json.Append('"').ToString();
    }
}
