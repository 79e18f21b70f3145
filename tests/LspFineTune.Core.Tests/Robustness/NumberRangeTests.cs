using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Robustness;

/// <summary>A number that cannot be held as written is said once, on the value, with what to do; the rest of the
/// config is still checked and estimated.</summary>
public class NumberRangeTests
{
    private const string Axolotl = "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 512\nmicro_batch_size: {0}\nadapter: lora\n";

    [Theory]
    [InlineData("9223372036854775808", DiagnosticSeverity.Error, "beyond the range of a 64-bit integer")]
    [InlineData("-99999999999999999999999", DiagnosticSeverity.Error, "beyond the range of a 64-bit integer")]
    [InlineData("1e400", DiagnosticSeverity.Error, "beyond the range of a 64-bit float")]
    [InlineData("1.5e-400", DiagnosticSeverity.Warning, "reads as 0")]
    public void A_number_beyond_its_type_is_one_diagnostic_on_the_value(string value, DiagnosticSeverity severity, string words)
    {
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/config.yml", string.Format(Axolotl, value));
        var onValue = analysis.Diagnostics.Where(d => d.Range.Start.Line == 2).ToList();
        var diagnostic = Assert.Single(onValue);
        Assert.Equal((DiagnosticCodes.OutOfRange, severity), (diagnostic.Code, diagnostic.Severity));
        Assert.Contains(words, diagnostic.Message);
        Assert.Equal(("micro_batch_size: ".Length, "micro_batch_size: ".Length + value.Length), (diagnostic.Range.Start.Character, diagnostic.Range.End.Character));
        Assert.NotNull(analysis.Estimate);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData(".inf")]
    [InlineData("0.000001")]
    [InlineData("1e-300")]
    public void Numbers_a_64_bit_type_holds_are_no_range_problem(string value)
    {
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/config.yml", string.Format(Axolotl, value));
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Message.Contains("beyond the range", StringComparison.Ordinal) || d.Message.Contains("reads as 0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(".inf", "is infinite")]
    [InlineData(".nan", "is not a number")]
    [InlineData("1.0e30", "too large to be held exactly as an integer")]
    [InlineData("2.5", "is a number with a fraction")]
    public void An_integer_key_says_what_kind_of_float_it_got(string value, string words)
    {
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/config.yml", string.Format(Axolotl, value));
        Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.WrongType && d.Message.Contains(words, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gpus_per_node=99999999999", "`gpus_per_node` takes a whole number from 1 to 2,147,483,647, not `99999999999`")]
    [InlineData("nodes=0", "`nodes` takes a whole number from 1")]
    [InlineData("longest_tokens=-5", "`longest_tokens` takes a whole number from 1")]
    [InlineData("mean_tokens=.inf", "`mean_tokens` takes a whole number from 1")]
    public void A_modeline_count_it_cannot_use_says_its_range(string setting, string words)
    {
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/config.yml", $"# lft: gpu=l4 {setting}\n" + string.Format(Axolotl, 2));
        var diagnostic = Assert.Single(analysis.Diagnostics, d => d.Range.Start.Line == 0 && d.Code == DiagnosticCodes.OutOfRange);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.StartsWith(words, diagnostic.Message);
    }

    [Fact]
    public void A_world_larger_than_torch_distributed_can_number_is_an_error_not_a_wrapped_count()
    {
        var analysis = ConfigAnalyzer.AnalyzeFile("/tmp/config.yml", "# lft: gpu=h100-sxm gpus_per_node=65536 nodes=65536\n" + string.Format(Axolotl, 2));
        Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfRange && d.Message.Contains("4,294,967,296 processes", StringComparison.Ordinal));
        // The estimate keeps the largest world that can be launched, not the 0 GPUs 2^32 wraps to.
        Assert.Equal(int.MaxValue / 65536 * 65536, analysis.Binding!.Plan!.Hardware.TotalGpus);
    }
}
