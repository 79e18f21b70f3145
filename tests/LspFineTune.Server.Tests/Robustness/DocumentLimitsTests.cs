using System.Text;
using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using LspFineTune.Server.Documents;
using static LspFineTune.Server.Tests.Robustness.Lsp;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// The server's limits on one document: over 4 MiB of text a config gets one diagnostic on its first line instead of
/// an analysis (and a document not marked as a config gets nothing, as Core leaves large unmarked files alone); at
/// most 1,000 diagnostics are published, the last saying how many more there are.
/// </summary>
public sealed class DocumentLimitsTests
{
    private static readonly string Yaml = Example("llama2-7b-lora.lft.yaml");

    /// <summary>The example followed by unknown keys in its last section (output), each one an error, up to <paramref name="characters"/>.</summary>
    private static string WithUnknownKeys(int count, int characters = 0)
    {
        var text = new StringBuilder(Yaml.TrimEnd()).Append('\n');
        for (var i = 0; i < count || text.Length <= characters; i++)
            text.Append("  custom_key_").Append(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)).Append(": ").Append(i).Append('\n');
        return text.ToString();
    }

    [Fact]
    public async Task A_config_over_the_size_limit_gets_one_diagnostic_on_its_first_line_until_it_is_shorter()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("too-large.lft.yaml");
        var text = WithUnknownKeys(0, ConfigAnalyzer.MaxConfigCharacters + 1);
        await client.OpenAsync(uri, text);
        var diagnostic = Assert.Single(await client.WaitForDiagnosticsAsync(uri, "a document over the limit"))!;
        Assert.Equal("LFT0009", (string?)diagnostic["code"]);
        Assert.Equal(0, (int)diagnostic["range"]!["start"]!["line"]!);
        Assert.Contains($"{text.Length:N0} characters", (string?)diagnostic["message"], StringComparison.Ordinal);
        Assert.Contains("4 MiB", (string?)diagnostic["message"], StringComparison.Ordinal);
        // Nothing else is computed for it, and every request still gets a proper (empty) answer.
        Assert.Empty(await client.TopSymbolsAsync(uri, "a document over the limit"));
        Assert.Empty(Replies.Result(await client.AskAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = Doc(uri) }, "inlay hints"), "inlay hints")!.AsArray());
        Assert.Null(Replies.Result(await client.AskAsync("textDocument/hover", AtPosition(uri, 10, 4), "hover"), "hover"));

        // Cut back under the limit (the whole text replaced by the example): analysed again.
        await client.ChangeAsync(uri, 2, WholeText(Yaml));
        Assert.Contains("hardware", await client.TopSymbolsAsync(uri, "back under the limit"));
        var deadline = DateTime.UtcNow + RawLspClient.ReplyTimeout;
        while (client.Notifications.LastOrDefault(n => (string?)n["params"]?["uri"] == uri && (int?)n["params"]?["version"] == 2) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no diagnostics for version 2");
            await Task.Delay(20);
        }
        Assert.DoesNotContain((await client.WaitForDiagnosticsAsync(uri, "v2")).Select(d => (string?)d!["code"]), c => c == "LFT0009");
    }

    [Theory]
    [InlineData("big-data.yaml", "", false)]
    [InlineData("big-data.json", "", false)]
    [InlineData("big-marked.yaml", "# lft: config\n", true)]
    public async Task Only_a_document_marked_as_a_config_is_told_it_is_too_large(string name, string firstLine, bool told)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri(name);
        var text = new StringBuilder(firstLine);
        while (text.Length <= ConfigAnalyzer.MaxConfigCharacters)
            text.Append("- {id: ").Append(text.Length).Append(", text: some row of a data set}\n");
        await client.OpenAsync(uri, text.ToString());
        var diagnostics = await client.WaitForDiagnosticsAsync(uri, name);
        Assert.Equal(told, diagnostics.Any(d => (string?)d!["code"] == "LFT0009"));
        Assert.True(told || diagnostics.Count == 0, $"{name}: {diagnostics.ToJsonString()}");
        await client.AssertStillAnswersCorrectlyAsync(name);
    }

    [Fact]
    public async Task At_most_a_thousand_diagnostics_are_published_and_the_last_says_how_many_more()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("many-findings.lft.yaml");
        await client.OpenAsync(uri, WithUnknownKeys(1_500));
        var diagnostics = await client.WaitForDiagnosticsAsync(uri, "1,500 unknown keys");
        Assert.Equal(PublishedDiagnostics.MaxPerDocument, diagnostics.Count);
        var last = diagnostics[^1]!;
        Assert.Matches("^5\\d\\d more problems from here on are not listed", (string?)last["message"]);
        Assert.Equal(1, (int)last["severity"]!);
    }

    /// <summary>Past the limit the most severe are kept (an error at the end beats warnings before it), in document order.</summary>
    [Fact]
    public void The_most_severe_diagnostics_are_kept_in_document_order()
    {
        static Diagnostic At(int line, DiagnosticSeverity severity) =>
            new("LFT0102", severity, $"line {line}", new TextRange(new TextPosition(line, 0), new TextPosition(line, 1)));
        var diagnostics = Enumerable.Range(0, 1_200).Select(line => At(line, DiagnosticSeverity.Warning))
            .Append(At(5_000, DiagnosticSeverity.Error))
            .Append(At(5_001, DiagnosticSeverity.Information))
            .ToList();
        var analysis = new ConfigAnalysis(ConfigParser.Parse(""), null, null, null, diagnostics);

        var published = PublishedDiagnostics.For(analysis, "file:///x.lft.yaml");

        Assert.Equal(PublishedDiagnostics.MaxPerDocument, published.Count);
        Assert.Contains(published, d => d.Message == "line 5000" && d.Severity == 1);
        Assert.DoesNotContain(published, d => d.Message == "line 5001");
        var lines = published.Take(published.Count - 1).Select(d => d.Range.Start.Line).ToList();
        Assert.Equal(lines.Order(), lines);
        Assert.Contains("202 more problems", published[^1].Message, StringComparison.Ordinal);
        Assert.Equal(2, published[^1].Severity);
    }

    [Fact]
    public void The_size_limit_is_above_the_size_Core_still_reads_unmarked_documents_at() =>
        Assert.True(ConfigAnalyzer.MaxConfigCharacters > ConfigAnalyzer.MaxUnmarkedConfigCharacters);
}
