using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Advice;

/// <summary>bf16 and FlashAttention-2 on GPUs that lack them (Pascal, Volta, Turing) are warned about, with the fix.</summary>
public class HardwareMismatchTests
{
    private const string Config = "model:\n  name: gpt2\n  dtype: DTYPE\nmethod:\n  type: lora\nhardware:\n  gpu: GPU\ntraining:\n  attention: ATTENTION\ndata:\n  num_examples: 10\n";

    private static IReadOnlyList<Diagnostic> Analyze(string gpu, string dtype, string attention) =>
        ConfigAnalyzer.Analyze(Config.Replace("GPU", gpu).Replace("DTYPE", dtype).Replace("ATTENTION", attention)).Diagnostics;

    [Theory]
    [InlineData("p100")]
    [InlineData("p40")]
    [InlineData("t4")]
    [InlineData("v100-32gb")]
    public void Bf16_on_a_gpu_without_it_is_a_warning_with_fp16_suggested(string gpu)
    {
        var warning = Assert.Single(Analyze(gpu, "bf16", "sdpa"), d => d.Code == DiagnosticCodes.Bf16Unsupported);

        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(2, warning.Range.Start.Line);
        Assert.Equal("fp16", warning.Data["suggestion"]);
    }

    [Theory]
    [InlineData("p100")]
    [InlineData("p40")]
    [InlineData("t4")]
    [InlineData("v100-16gb")]
    public void Flash_attention_on_a_gpu_older_than_ampere_is_a_warning_with_sdpa_suggested(string gpu)
    {
        var warning = Assert.Single(Analyze(gpu, "fp16", "flash"), d => d.Code == DiagnosticCodes.FlashAttentionUnsupported);

        Assert.Contains("needs Ampere or newer", warning.Message);
        Assert.Equal("sdpa", warning.Data["suggestion"]);
    }

    [Theory]
    [InlineData("a800-80gb")]
    [InlineData("l20")]
    [InlineData("rtx-5090")]
    [InlineData("b200")]
    [InlineData("mi325x")]
    public void Bf16_with_flash_attention_on_ampere_and_newer_is_fine(string gpu)
    {
        var diagnostics = Analyze(gpu, "bf16", "flash");

        Assert.DoesNotContain(diagnostics, d => d.Code is DiagnosticCodes.Bf16Unsupported or DiagnosticCodes.FlashAttentionUnsupported);
    }
}
