using System.Text;
using System.Text.Json.Nodes;
using LspFineTune.Server.Cli;

namespace LspFineTune.Server.Tests;

/// <summary>What one `lft` invocation produced.</summary>
public sealed record CliResult(int Exit, string Stdout, string Stderr)
{
    /// <summary>Stdout parsed as JSON; fails the test with the output when it is not JSON.</summary>
    public JsonNode Json()
    {
        try
        {
            return JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout is the JSON literal null");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not JSON ({e.Message}):\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    public string[] StdoutLines => Lines(Stdout);

    public string[] StderrLines => Lines(Stderr);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit {Exit}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the `lft` command line in-process, the way Program.Main does, capturing its output.</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CommandLine.Run(args, stdout, stderr);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The severities and codes of the `diagnostics` array of a JSON output.</summary>
    public static IReadOnlyList<JsonNode> Diagnostics(JsonNode json) => json["diagnostics"]!.AsArray().Select(d => d!).ToList();

    public static IEnumerable<string> Codes(JsonNode json) => Diagnostics(json).Select(d => (string)d["code"]!);
}

/// <summary>Paths in the repository this test assembly was built from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "examples");

    public static string Example(string name) => Path.Combine(Examples, name);

    /// <summary>Every native config in examples/ (by file name, so that theory cases have readable names).</summary>
    public static IEnumerable<object[]> ExampleNames() =>
        Directory.EnumerateFiles(Examples)
            .Select(Path.GetFileName)
            .Where(n => n!.EndsWith(".lft.yaml", StringComparison.Ordinal) || n.EndsWith(".lft.yml", StringComparison.Ordinal) || n.EndsWith(".lft.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no LspFineTune.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A unique folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lft-tests-" + Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return file;
    }

    public string Write(string name, byte[] bytes)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

/// <summary>Applies the edits of `lft plan --json` (1-based line/column, end exclusive) to a file's text.</summary>
public static class TextEdits
{
    public static string Apply(string text, JsonArray edits)
    {
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
                lineStarts.Add(i + 1);
        }
        int Offset(JsonNode edit, string line, string column) =>
            lineStarts[(int)edit[line]! - 1] + (int)edit[column]! - 1;

        var spans = edits
            .Select(e => (Start: Offset(e!, "line", "column"), End: Offset(e!, "end_line", "end_column"), Text: (string)e!["new_text"]!))
            .OrderByDescending(e => e.Start)
            .ThenByDescending(e => e.End)
            .ToList();
        for (var i = 1; i < spans.Count; i++)
            Assert.True(spans[i].End <= spans[i - 1].Start, $"edits overlap: {edits.ToJsonString()}");

        var result = new StringBuilder(text);
        foreach (var (start, end, newText) in spans)
        {
            Assert.InRange(start, 0, end);
            Assert.InRange(end, start, text.Length);
            result.Remove(start, end - start).Insert(start, newText);
        }
        return result.ToString();
    }

    /// <summary>Every YAML comment of a text (whole-line and trailing), as written.</summary>
    public static IReadOnlyList<string> Comments(string text) =>
        text.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Select(line => line.TrimStart().StartsWith('#') ? line.TrimStart() : line.Contains(" #", StringComparison.Ordinal) ? line[(line.IndexOf(" #", StringComparison.Ordinal) + 1)..] : null)
            .OfType<string>()
            .ToList();
}
