using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LspFineTune.Server.Tests;

/// <summary>`lft check FILE... [--format text|json|sarif]`: diagnostics for terminals, scripts and code scanning.</summary>
public partial class CheckCommandTests
{
    [GeneratedRegex(@"^.+:\d+:\d+: (error|warning|info|hint) LFT\d{4}: .+$")]
    private static partial Regex DiagnosticLine();

    private static string[] AllExamples() => Repo.ExampleNames().Select(n => Repo.Example((string)n[0])).ToArray();

    private static readonly string Clean = Repo.Example("llama2-7b-lora.lft.yaml");
    private static readonly string WarningsOnly = Repo.Example("llama3-8b-bf16-on-v100.lft.yaml");
    private static readonly string HasError = Repo.Example("llama2-70b-full-8xa100.lft.yaml");

    /// <summary>The diagnostics `--format json` reports per file: the reference the other formats are compared with.</summary>
    private static JsonArray JsonReport(params string[] files)
    {
        var result = CliRunner.Run(["check", "--format", "json", .. files]);
        return result.Json().AsArray();
    }

    [Fact]
    public void Text_lines_are_file_line_column_severity_code_message_for_every_diagnostic()
    {
        var files = AllExamples();
        var result = CliRunner.Run(["check", .. files]);

        Assert.NotEmpty(result.StdoutLines);
        Assert.All(result.StdoutLines, line => Assert.Matches(DiagnosticLine(), line));
        var expected = JsonReport(files).Sum(f => f!["diagnostics"]!.AsArray().Count);
        Assert.Equal(expected, result.StdoutLines.Length);
        Assert.All(files.Where(f => JsonReport(f)[0]!["diagnostics"]!.AsArray().Count > 0),
            file => Assert.Contains(result.StdoutLines, l => l.StartsWith(file + ":", StringComparison.Ordinal)));
    }

    [Fact]
    public void Text_positions_are_1_based_and_point_at_the_value()
    {
        var lines = File.ReadAllLines(WarningsOnly);
        var line = Array.FindIndex(lines, l => !l.TrimStart().StartsWith('#') && l.Contains("dtype: bf16", StringComparison.Ordinal));
        var column = lines[line].IndexOf("bf16", StringComparison.Ordinal);

        var result = CliRunner.Run("check", WarningsOnly);

        Assert.Contains(result.StdoutLines, l => l.StartsWith($"{WarningsOnly}:{line + 1}:{column + 1}: warning LFT0401: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_format_is_one_entry_per_file_with_its_diagnostics()
    {
        var report = JsonReport(Clean, WarningsOnly, HasError);

        Assert.Equal(3, report.Count);
        Assert.Equal([Clean, WarningsOnly, HasError], report.Select(f => (string)f!["file"]!));
        Assert.Empty(report[0]!["diagnostics"]!.AsArray());
        Assert.Equal(["LFT0401", "LFT0402"], report[1]!["diagnostics"]!.AsArray().Select(d => (string)d!["code"]!).Order());
        Assert.Contains(report[2]!["diagnostics"]!.AsArray(), d => (string)d!["code"]! == "LFT0301" && (string)d["severity"]! == "error");
    }

    [Fact]
    public void Json_flag_is_the_same_as_format_json()
    {
        var flag = CliRunner.Run("check", "--json", WarningsOnly);
        var option = CliRunner.Run("check", "--format=json", WarningsOnly);

        Assert.Equal(0, flag.Exit);
        Assert.Equal(option.Stdout, flag.Stdout);
        Assert.Equal(JsonReport(WarningsOnly).ToJsonString(), flag.Json().ToJsonString());
    }

    [Fact]
    public void Sarif_format_is_sarif_2_1_0_with_one_result_per_diagnostic()
    {
        var files = AllExamples();
        var result = CliRunner.Run(["check", "--format", "sarif", .. files]);

        Assert.Equal(1, result.Exit);
        var sarif = result.Json();
        Assert.Equal("2.1.0", (string)sarif["version"]!);
        var run = sarif["runs"]!.AsArray()[0]!;
        Assert.Equal("lft", (string)run["tool"]!["driver"]!["name"]!);
        var results = run["results"]!.AsArray();

        var expected = JsonReport(files)
            .SelectMany(f => f!["diagnostics"]!.AsArray().Select(d => (File: (string)f["file"]!, Code: (string)d!["code"]!, Line: (int)d["line"]!, Column: (int)d["column"]!)))
            .ToList();
        var actual = results
            .Select(r => (
                File: (string)r!["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]!,
                Code: (string)r["ruleId"]!,
                Line: (int)r["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]!,
                Column: (int)r["locations"]![0]!["physicalLocation"]!["region"]!["startColumn"]!))
            .ToList();
        Assert.Equal(expected, actual);
        Assert.All(results, r => Assert.Contains((string)r!["level"]!, new[] { "error", "warning", "note", "none" }));
        Assert.All(results, r => Assert.False(string.IsNullOrWhiteSpace((string)r!["message"]!["text"]!)));
    }

    [Fact]
    public void A_clean_config_prints_nothing_and_exits_0()
    {
        var result = CliRunner.Run("check", Clean);

        Assert.Equal(0, result.Exit);
        Assert.Equal("", result.Stdout);
        Assert.Contains("0 error(s)", result.Stderr);
    }

    [Fact]
    public void Warnings_alone_exit_0()
    {
        var result = CliRunner.Run("check", WarningsOnly);

        Assert.Equal(0, result.Exit);
        Assert.Equal(2, result.StdoutLines.Length);
        Assert.All(result.StdoutLines, l => Assert.Contains(": warning LFT04", l));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("sarif")]
    public void One_file_with_an_error_among_several_exits_1_in_every_format(string format)
    {
        var result = CliRunner.Run("check", "--format", format, Clean, WarningsOnly, HasError);
        Assert.Equal(1, result.Exit);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    [InlineData("sarif")]
    public void Clean_and_warning_files_together_exit_0_in_every_format(string format)
    {
        var result = CliRunner.Run("check", "--format", format, Clean, WarningsOnly);
        Assert.Equal(0, result.Exit);
    }

    [Fact]
    public void The_summary_counts_errors_and_warnings_over_all_files()
    {
        var result = CliRunner.Run("check", Clean, WarningsOnly, HasError);

        var summary = Assert.Single(result.StderrLines);
        Assert.Equal("3 file(s) checked: 1 error(s), 2 warning(s)", summary);
    }
}
