using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Dialects.LlamaFactory;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Fixes written in LLaMA-Factory's own keys: applying a fix's edits and analysing again reaches the estimate it promised.</summary>
public class LlamaFactoryWriterTests
{
    private const string Full = "# lft: gpu=a100-80gb gpus_per_node=1\nmodel_name_or_path: meta-llama/Llama-3.1-8B\nstage: sft\ndo_train: true\nfinetuning_type: full\ndataset: alpaca_en_demo\ntemplate: llama3\ncutoff_len: 4096\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\nbf16: true\n";

    /// <summary>Applies the fix of the out-of-memory finding whose title starts with <paramref name="title"/>, and analyses again.</summary>
    private static (CodeFix Fix, ConfigAnalysis After, string Text) ApplyOomFix(string text, string title)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", text);
        var oom = Assert.Single(files.Analyze("config.yaml").Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
        var fix = Assert.Single(oom.Fixes, f => f.Title.StartsWith(title, StringComparison.Ordinal));
        var edit = Assert.Single(fix.Edits);
        Assert.Null(edit.FilePath);
        var written = ConfigEditorTests.Apply(text, edit.Edits);
        files.Write("config.yaml", written);
        return (fix, files.Analyze("config.yaml"), written);
    }

    [Fact]
    public void The_LoRA_fix_writes_finetuning_type_and_reaches_its_estimate()
    {
        var (fix, after, text) = ApplyOomFix(Full, "Fine-tune with LoRA");
        Assert.Contains("finetuning_type: lora\n", text);
        Assert.Equal(FineTuneMethod.Lora, after.Plan!.Method.Type);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void The_QLoRA_fix_writes_quantization_bit_and_reaches_its_estimate()
    {
        var (fix, after, text) = ApplyOomFix(Full, "Fine-tune with QLoRA");
        Assert.Contains("quantization_bit: 4", text);
        Assert.Equal((FineTuneMethod.Lora, Quantization.Nf4), (after.Plan!.Method.Type, after.Plan.Model.Quantization));
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
        Assert.DoesNotContain(after.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_checkpointing_fix_undoes_disable_gradient_checkpointing()
    {
        var config = Full.Replace("finetuning_type: full", "finetuning_type: lora").Replace("per_device_train_batch_size: 4", "per_device_train_batch_size: 16") + "disable_gradient_checkpointing: true\n";
        var (fix, after, text) = ApplyOomFix(config, "Enable gradient checkpointing");
        Assert.Contains("disable_gradient_checkpointing: false", text);
        Assert.True(after.Plan!.Training.GradientCheckpointing);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void Micro_batch_and_attention_are_written_in_LLaMA_Factorys_keys()
    {
        var analysis = LlamaFactoryBindingTests.Analyze(Full);
        var edits = Assert.Single(analysis.Write([new PlanChange(PlanField.MicroBatchSize, 2), new PlanChange(PlanField.GradientAccumulationSteps, 4), new PlanChange(PlanField.Attention, AttentionKind.Flash)])).Edits;
        var text = ConfigEditorTests.Apply(Full, edits);
        Assert.Contains("per_device_train_batch_size: 2\n", text);
        Assert.Contains("gradient_accumulation_steps: 4\n", text);
        Assert.Contains("flash_attn: fa2", text);
    }

    [Fact]
    public void ZeRO_switches_between_LLaMA_Factorys_shipped_presets()
    {
        var config = Full.Replace("gpus_per_node=1", "gpus_per_node=8") + "deepspeed: examples/deepspeed/ds_z2_config.json\n";
        var analysis = LlamaFactoryBindingTests.Analyze(config);
        var edit = Assert.Single(Assert.Single(analysis.Write([new PlanChange(PlanField.ZeroStage, 3)])).Edits);
        Assert.Equal("examples/deepspeed/ds_z3_config.json", edit.NewText);
        var offload = Assert.Single(Assert.Single(analysis.Write([new PlanChange(PlanField.OffloadOptimizer, OffloadTarget.Cpu)])).Edits);
        Assert.Equal("examples/deepspeed/ds_z2_offload_config.json", offload.NewText);
        Assert.Equal(3, LlamaFactoryBindingTests.Analyze(ConfigEditorTests.Apply(config, [edit])).Plan!.DeepSpeed.ZeroStage);
    }

    [Theory]
    [InlineData(PlanField.GradientCheckpointing, false, "disable_gradient_checkpointing: true")]
    [InlineData(PlanField.GradientCheckpointing, true, "disable_gradient_checkpointing: false")]
    [InlineData(PlanField.Attention, AttentionKind.Eager, "flash_attn: disabled")]
    [InlineData(PlanField.Method, FineTuneMethod.Lora, "finetuning_type: lora")]
    [InlineData(PlanField.Quantization, Quantization.Nf4, "quantization_bit: 4")]
    [InlineData(PlanField.MicroBatchSize, 2, "per_device_train_batch_size: 2")]
    public void Changes_read_in_LLaMA_Factorys_words(PlanField field, object value, string setting) =>
        Assert.Equal(setting, LlamaFactoryVocabulary.Instance.Setting(new PlanChange(field, value)));

    private const string V1 = "# lft: gpu=a100-80gb gpus_per_node=2\nmodel: meta-llama/Llama-3.1-8B\nmodel_class: llm\ntrain_dataset: data/v1_sft_demo.yaml\nmicro_batch_size: 4\nglobal_batch_size: 16\ncutoff_len: 4096\nquant_config: null\n";

    [Fact]
    public void V1_accumulation_is_written_as_the_global_batch_and_LoRA_as_a_peft_config_block()
    {
        var analysis = LlamaFactoryBindingTests.Analyze(V1);
        Assert.Equal(2, analysis.Plan!.Training.GradientAccumulationSteps);
        var edits = Assert.Single(analysis.Write([new PlanChange(PlanField.MicroBatchSize, 2), new PlanChange(PlanField.GradientAccumulationSteps, 4), new PlanChange(PlanField.Method, FineTuneMethod.Lora), new PlanChange(PlanField.Quantization, Quantization.Nf4)])).Edits;
        var text = ConfigEditorTests.Apply(V1, edits);
        Assert.Contains("global_batch_size: 16\n", text);
        var after = LlamaFactoryBindingTests.Analyze(text);
        Assert.Equal((2, 4), (after.Plan!.Training.MicroBatchSize, after.Plan.Training.GradientAccumulationSteps));
        Assert.Equal((FineTuneMethod.Lora, Quantization.Nf4, true), (after.Plan.Method.Type, after.Plan.Model.Quantization, after.Plan.Method.Lora.AllLinear));
        Assert.DoesNotContain(after.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void V1_fixes_reach_their_estimate()
    {
        var (fix, after, _) = ApplyOomFix(V1.Replace("gpus_per_node=2", "gpus_per_node=1").Replace("global_batch_size: 16", "global_batch_size: 8") + "enable_activation_checkpointing: false\n", "Enable gradient checkpointing");
        Assert.True(after.Plan!.Training.GradientCheckpointing);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }
}
