using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Dialects;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Advice;

/// <summary>
/// A run that is out of memory only because of its logits is offered the dialect's chunked or fused loss first, before
/// a smaller micro-batch, with the estimate it reaches; that estimate is what the edited config then gets.
/// </summary>
public class MemorySaverFixTests
{
    // Llama-3.2-1B (V = 128,256) LoRA, 4 x 8192 tokens, checkpointed, on an A100 40GB: the standard loss holds
    // 12 x 4 x 8192 x 128256 = 50.4 GB of logits; the rest is a few GB.
    private const string Axolotl = "# lft: gpu=a100-40gb\nbase_model: meta-llama/Llama-3.2-1B\nadapter: lora\nlora_target_linear: true\nsequence_len: 8192\nmicro_batch_size: 4\ngradient_accumulation_steps: 2\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\n";

    private static ConfigAnalysis Analyze(string name, string text)
    {
        using var files = new DialectTestFiles();
        files.Write(name, text);
        return files.Analyze(name);
    }

    /// <summary>The preferred fix of the out-of-memory diagnostic, and the analysis of the config with its edit applied.</summary>
    private static (CodeFix Fix, ConfigAnalysis Fixed) PreferredFix(string name, string text)
    {
        var analysis = Analyze(name, text);
        var oom = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
        Assert.Equal(MemoryTermNames.LogitsAndLoss, analysis.Estimate!.Memory.Terms.MaxBy(t => t.Bytes)!.Name);
        var fix = oom.Fixes[0];
        Assert.True(fix.IsPreferred, oom.Message + " | " + string.Join(" | ", oom.Fixes.Select(f => f.Title)));
        var edits = Assert.Single(fix.Edits);
        return (fix, Analyze(name, ConfigEditorTests.Apply(text, edits.Edits)));
    }

    [Fact]
    public void Axolotl_is_offered_chunked_cross_entropy_first_with_the_estimate_the_edited_config_gets()
    {
        var (fix, edited) = PreferredFix("config.yml", Axolotl);
        Assert.StartsWith("Use chunked cross-entropy: ", fix.Title);
        Assert.Contains("fits", fix.Title);
        // 2 x 2 B x N (compiled views of the logits and their concatenated gradient) instead of 12 B x N.
        Assert.Equal(LossKernel.Chunked, edited.Plan!.Savers.Loss);
        Assert.Equal(4.0 * 4 * 8192 * 128256, edited.Estimate!.Memory.Term(MemoryTermNames.LogitsAndLoss));
        Assert.Equal(fix.Result!.Memory.PeakBytes, edited.Estimate.Memory.PeakBytes);
        Assert.True(edited.Estimate.Memory.Fits);
        // A smaller micro-batch would fit too, but takes two edits for the same time.
        Assert.Contains(Analyze("config.yml", Axolotl).Diagnostics.Single(d => d.Code == DiagnosticCodes.OutOfMemory).Fixes, f => f.Title.StartsWith("Micro-batch 2", StringComparison.Ordinal));
    }

    [Fact]
    public void The_plan_search_switches_the_loss_rather_than_the_batch()
    {
        // 2 x 16384 tokens: without checkpointing nothing fits (activations alone are 31 GB at micro-batch 1), so the
        // choice is between the chunked loss (one edit) and micro-batch 1 (two edits), at the same time.
        var longer = Axolotl.Replace("sequence_len: 8192\nmicro_batch_size: 4", "sequence_len: 16384\nmicro_batch_size: 2", StringComparison.Ordinal);
        Assert.NotEqual(Axolotl, longer);
        var plan = Analyze("config.yml", longer).FindFastestPlan()!;
        var change = Assert.Single(plan.Best!.Changes);
        Assert.Equal(PlanField.LossKernel, change.Field);
    }

    [Fact]
    public void TRL_SFT_with_the_plain_loss_is_offered_Liger()
    {
        const string trl = "# lft: gpu=a100-40gb recipe=sft\nmodel_name_or_path: meta-llama/Llama-3.2-1B\noutput_dir: out\nuse_peft: true\nlora_target_modules: all-linear\nmax_length: 8192\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\nattn_implementation: flash_attention_2\nloss_type: nll\n";
        var (fix, edited) = PreferredFix("config.yaml", trl);
        Assert.StartsWith("Use Liger's fused linear cross-entropy: ", fix.Title);
        Assert.Equal(LossKernel.LigerFused, edited.Plan!.Savers.Loss);
        Assert.Equal(fix.Result!.Memory.PeakBytes, edited.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void Torchtune_with_the_plain_loss_is_offered_LinearCrossEntropyLoss()
    {
        var text = TorchtuneBindingTests.Lora
            .Replace("max_seq_len: 1024", "max_seq_len: 8192", StringComparison.Ordinal)
            .Replace("torchtune.modules.loss.LinearCrossEntropyLoss", "torch.nn.CrossEntropyLoss", StringComparison.Ordinal)
            .Replace("enable_activation_checkpointing: False", "enable_activation_checkpointing: True", StringComparison.Ordinal)
            // Packed, so every sequence is the full 8192 tokens (unpacked alpaca pads only to its longest example).
            .Replace("packed: False", "packed: True", StringComparison.Ordinal);
        var (fix, edited) = PreferredFix("config.yaml", "# lft: gpu=a100-40gb\n" + text);
        Assert.StartsWith("Use chunked cross-entropy: ", fix.Title);
        Assert.Equal((LossKernel.Chunked, ChunkSplit.Hidden), (edited.Plan!.Savers.Loss, edited.Plan.Savers.ChunkSplit));
        Assert.Equal(fix.Result!.Memory.PeakBytes, edited.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void The_native_format_has_no_saver_keys_so_none_is_offered()
    {
        var analysis = Analyze("run.lft.yaml", "model:\n  name: llama-3.2-1b\nhardware:\n  gpu: a100-40gb\nmethod:\n  type: lora\ntraining:\n  micro_batch_size: 4\n  sequence_length: 8192\n  gradient_checkpointing: true\n  attention: flash\n");
        var oom = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
        Assert.DoesNotContain(oom.Fixes, f => f.Changes.Any(c => c.Field is PlanField.LossKernel or PlanField.ActivationOffload));
        Assert.DoesNotContain(analysis.FindFastestPlan()!.Best!.Changes, c => c.Field is PlanField.LossKernel or PlanField.ActivationOffload);
    }
}
