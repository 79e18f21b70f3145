using System.Text;
using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Robustness;

/// <summary>What a huge document costs is bounded: past a size nothing is analysed, and past a count the diagnostics
/// end in one line that says how many more there are.</summary>
public class DocumentScaleTests
{
    private const string Head = "# lft: dialect=axolotl\nbase_model: meta-llama/Llama-3.2-1B\nsequence_len: 512\nmicro_batch_size: 1\nlearning_rate: 0.0002\nadapter: lora\n";

    [Fact]
    public void A_marked_document_over_the_size_cap_gets_one_error_at_the_top_and_no_analysis()
    {
        var text = new StringBuilder(Head);
        while (text.Length <= ConfigAnalyzer.MaxConfigCharacters)
            text.Append("k").Append(text.Length).Append(": 1\n");
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/huge.yml", text.ToString());
        var diagnostic = Assert.Single(analysis.Diagnostics);
        Assert.Equal((DiagnosticCodes.DocumentTooLarge, DiagnosticSeverity.Error, 0), (diagnostic.Code, diagnostic.Severity, diagnostic.Range.Start.Line));
        Assert.Contains("(4 MiB) lft analyses", diagnostic.Message);
        Assert.Equal("axolotl", analysis.Dialect?.Id);
        Assert.Null(analysis.Estimate);
    }

    [Theory]
    [InlineData("/tmp/keys.yml", "", DiagnosticSeverity.Warning)] // axolotl ignores unknown keys: warnings
    [InlineData("/tmp/keys.lft.yaml", "model:\n  name: llama-3.2-1b\ntraining:\n", DiagnosticSeverity.Error)]
    public void Thousands_of_problems_end_in_one_line_counting_the_rest(string path, string native, DiagnosticSeverity severity)
    {
        var text = new StringBuilder(native.Length > 0 ? native : Head);
        for (var i = 0; i < 3_000; i++)
            text.Append(native.Length > 0 ? "  " : "").Append('k').Append(i).Append(": 1\n");
        var analysis = ConfigAnalyzer.AnalyzeFile(path, text.ToString());
        Assert.Equal(DiagnosticCap.Max + 1, analysis.Diagnostics.Count);
        var last = analysis.Diagnostics[^1];
        Assert.Matches(@"^2,\d{3} more problems from here on are not listed", last.Message);
        // The summary is an error when what it hides is, so the document still counts as having errors.
        Assert.Equal(severity, last.Severity);
        Assert.Equal(severity == DiagnosticSeverity.Error, analysis.HasErrors);
        // The ones listed are the first in the document.
        Assert.Contains("`k0`", analysis.Diagnostics.First(d => d.Code == DiagnosticCodes.UnknownKey).Message);
    }

    [Fact]
    public void Each_unknown_lora_target_is_reported_once_on_its_first_item_also_in_a_long_list()
    {
        var text = new StringBuilder(Head).Append("lora_target_modules:\n  - q_proj\n");
        for (var i = 0; i < 500; i++)
            text.Append("  - layer_").Append(i % 250).Append("_proj\n");
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/targets.yml", text.ToString());
        var warnings = analysis.Diagnostics.Where(d => d.Code == DiagnosticCodes.UnknownLoraTarget).ToList();
        Assert.Equal(250, warnings.Count);
        Assert.Equal(250, warnings.Select(w => w.Range).Distinct().Count());
        var first = Assert.Single(warnings, w => w.Message.Contains("`layer_0_proj`", StringComparison.Ordinal));
        Assert.Equal(8, first.Range.Start.Line);
    }
}
