using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// A pre-quantized upload resolves to its base model's architecture and keeps its stored format in the estimate: the
/// weights term of a LoRA run on <c>unsloth/…-bnb-4bit</c> is QLoRA's, though the config sets no load_in_4bit; GPTQ and
/// AWQ count their group scales, FP8 one byte, and a 16-bit upload as much as the base model.
/// </summary>
public sealed class StoredQuantizationEstimateTests
{
    private static ConfigAnalysis Analyze(string model, string extra = "adapter: lora\nlora_r: 8\n")
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", $"base_model: {model}\nsequence_len: 512\nmicro_batch_size: 1\n{extra}");
        return files.Analyze("config.yml");
    }

    private static long Weights(string model, string extra = "adapter: lora\nlora_r: 8\n")
    {
        var analysis = Analyze(model, extra);
        Assert.True(analysis.Estimate is not null, string.Join("\n", analysis.Diagnostics.Select(d => d.Message)));
        return analysis.Estimate!.Memory.Terms.Single(t => t.Name == MemoryTermNames.Weights).Bytes;
    }

    [Fact]
    public void A_bnb_4bit_upload_under_LoRA_is_estimated_as_QLoRA_without_load_in_4bit()
    {
        var analysis = Analyze("unsloth/llama-3-8b-bnb-4bit");
        Assert.Equal("llama-3-8b", analysis.Plan!.Model.Id);
        Assert.Equal(Quantization.None, analysis.Plan.Model.Quantization);
        Assert.Equal(StoredQuantization.BitsAndBytes4, analysis.Plan.Model.Stored);
        var qlora = Weights("meta-llama/Meta-Llama-3-8B", "adapter: qlora\nload_in_4bit: true\nlora_r: 8\n");
        Assert.Equal(qlora, Weights("unsloth/llama-3-8b-bnb-4bit"));
        Assert.True(qlora < Weights("meta-llama/Meta-Llama-3-8B") * 0.4);
    }

    [Fact]
    public void GPTQ_weights_are_4_bit_plus_their_group_scales_and_the_assumed_group_size_is_said()
    {
        var bf16 = Weights("meta-llama/Llama-2-7b-hf");
        var nf4 = Weights("meta-llama/Llama-2-7b-hf", "adapter: qlora\nload_in_4bit: true\nlora_r: 8\n");
        var gptq = Weights("TheBloke/Llama-2-7B-GPTQ");
        Assert.InRange(gptq, nf4 + 1, (long)(bf16 * 0.4));
        var note = Assert.Single(Analyze("TheBloke/Llama-2-7B-GPTQ").Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("group size", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Information, note.Severity);
    }

    [Fact]
    public void AWQ_weights_are_4_bit_with_group_scales()
    {
        var bf16 = Weights("meta-llama/Meta-Llama-3-8B-Instruct");
        var awq = Weights("TechxGenus/Meta-Llama-3-8B-Instruct-AWQ");
        Assert.Equal(Weights("TechxGenus/Meta-Llama-3-8B-Instruct-GPTQ"), awq);
        Assert.InRange(awq, (long)(bf16 * 0.25), (long)(bf16 * 0.4));
    }

    [Fact]
    public void FP8_weights_are_one_byte_each_and_the_assumption_is_said()
    {
        var bf16 = Weights("meta-llama/Llama-3.1-8B-Instruct");
        var fp8 = Weights("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8");
        Assert.InRange(fp8, (long)(bf16 * 0.5), (long)(bf16 * 0.65));
        Assert.Contains(Analyze("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8").Diagnostics,
            d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("FP8", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dequantized_or_16_bit_upload_weighs_what_its_base_does()
    {
        Assert.Equal(Weights("meta-llama/Meta-Llama-3-70B"), Weights("casperhansen/llama-3-70b-fp16"));
        // The rule is general: "-dequantized" (axolotl-ai-co's gpt-oss uploads) is 16-bit weights, no quantization.
        Assert.Equal(Weights("meta-llama/Llama-3.1-8B"), Weights("axolotl-ai-co/Llama-3.1-8B-dequantized"));
        Assert.Null(Analyze("axolotl-ai-co/Llama-3.1-8B-dequantized").Plan!.Model.Stored);
    }

    [Fact]
    public void Full_fine_tuning_of_stored_4_bit_weights_is_an_error_on_the_model()
    {
        var analysis = Analyze("unsloth/llama-3-8b-bnb-4bit", "");
        var error = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.QuantizationWithFullFineTune);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("unsloth/llama-3-8b-bnb-4bit", error.Message);
        Assert.Equal(0, error.Range.Start.Line);
    }

    [Fact]
    public void A_gguf_repository_gets_one_error_naming_the_model_to_use_instead()
    {
        var analysis = Analyze("TheBloke/Llama-2-7B-GGUF");
        Assert.Null(analysis.Estimate);
        var error = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.UnknownModel);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("GGUF", error.Message);
        Assert.Contains("meta-llama/Llama-2-7b-hf", error.Message);
    }

    [Fact]
    public void The_models_origin_says_what_the_id_stripped()
    {
        var origin = Analyze("unsloth/llama-3-8b-bnb-4bit").Plan!.Model.Origin!;
        Assert.Equal(ModelSourceKind.Catalog, origin.Kind);
        Assert.Contains("weights stored 4-bit (bitsandbytes nf4)", origin.Describe());
        Assert.Contains("Unsloth's re-upload", origin.Describe());
    }
}
