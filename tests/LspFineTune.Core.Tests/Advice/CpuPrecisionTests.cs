using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Advice;

public class CpuPrecisionTests
{
    private const string Config = "model:\n  name: llama-2-7b\n  dtype: DTYPE\nmethod:\n  type: lora\nhardware:\n  gpu: cpu\ndata:\n  num_examples: 10\n";

    [Fact]
    public void Fp16_on_the_cpu_is_a_warning_on_the_dtype_with_bf16_suggested()
    {
        var analysis = ConfigAnalyzer.Analyze(Config.Replace("DTYPE", "fp16"));
        var warning = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.Fp16OnCpu);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(2, warning.Range.Start.Line);
        Assert.Equal("bf16", warning.Data["suggestion"]);
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("fp32")]
    public void Bf16_and_fp32_on_the_cpu_are_fine(string dtype) =>
        Assert.DoesNotContain(ConfigAnalyzer.Analyze(Config.Replace("DTYPE", dtype)).Diagnostics, d => d.Code == DiagnosticCodes.Fp16OnCpu);
}
