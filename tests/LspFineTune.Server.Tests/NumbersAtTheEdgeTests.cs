namespace LspFineTune.Server.Tests;

/// <summary>Numbers at the edge of their type: the estimate saturates (a term counts at most 100 PB) and the run time
/// is written in years, so the CLI answers with a verdict instead of aborting with a stack trace.</summary>
public class NumbersAtTheEdgeTests
{
    [Theory]
    [InlineData("micro_batch_size", "2147483647")]
    [InlineData("micro_batch_size", "9223372036854775807")]
    [InlineData("gradient_accumulation_steps", "2147483647")]
    [InlineData("max_steps", "9223372036854775807")]
    [InlineData("epochs", "1e300")]
    public void A_key_at_the_edge_of_its_type_gets_a_verdict_not_a_crash(string key, string value)
    {
        var path = Path.Combine(Path.GetTempPath(), $"lft-edge-{Guid.NewGuid():N}.lft.yaml");
        File.WriteAllText(path, $"model:\n  name: llama-3.2-1b\ntraining:\n  sequence_length: 256\n  {key}: {value}\n");
        try
        {
            var text = CliRunner.Run("estimate", path);
            Assert.True(text.Exit is 0 or 1, $"exit {text.Exit}: {text.Stderr}");
            Assert.DoesNotContain("   at ", text.Stdout + text.Stderr, StringComparison.Ordinal);
            var json = CliRunner.Run("estimate", path, "--json");
            var memory = json.Json()["memory"]!;
            var peak = (long)memory["peak_bytes_per_gpu"]!;
            Assert.True(peak > 0, memory.ToJsonString());
            // A micro-batch of 2^31 sequences cannot fit; the verdict says so.
            if (key == "micro_batch_size")
                Assert.False((bool)memory["fits"]!);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(1e20, "3,168,808,781,403 years")]
    [InlineData(200 * 365.25 * 24 * 3600, "200 years")]
    [InlineData(90061, "1 d 1 h")]
    public void Durations_past_a_century_are_written_in_years(double seconds, string expected) =>
        Assert.Equal(expected, Presentation.DurationText.Format(seconds));
}
