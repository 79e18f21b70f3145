using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Advice;

public class UnitsTests
{
    [Fact]
    public void Binary_units_write_the_out_of_memory_message_and_fix_titles_in_GiB()
    {
        const string config = "model:\n  name: llama-2-7b\nmethod:\n  type: full\nhardware:\n  gpu: a100-80gb\ndata:\n  num_examples: 10\n";
        var decimalUnits = ConfigAnalyzer.Analyze(config).Diagnostics.Single(d => d.Code == DiagnosticCodes.OutOfMemory);
        var binaryUnits = ConfigAnalyzer.Analyze(config, new AnalysisOptions { BinaryUnits = true }).Diagnostics.Single(d => d.Code == DiagnosticCodes.OutOfMemory);

        Assert.Contains("usable on", decimalUnits.Message);
        Assert.DoesNotContain("GiB", decimalUnits.Message);
        // 85.0 GB usable on an A100-80GB is 79.2 GiB (85.05e9 / 2^30).
        Assert.Contains("79.2 GiB usable", binaryUnits.Message);
        Assert.DoesNotContain(" GB", binaryUnits.Message);
    }
}
