using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>torchtune configs bound to the plan with torchtune's own defaults (pytorch/torchtune@bd2a0fc).</summary>
public class TorchtuneBindingTests
{
    internal const string Lora = """
        # Config for single device LoRA finetuning
        #   tune download meta-llama/Llama-3.2-1B-Instruct --output-dir /tmp/Llama-3.2-1B-Instruct
        #
        #   tune run lora_finetune_single_device --config llama3_2/1B_lora_single_device
        output_dir: /tmp/out
        model:
          _component_: torchtune.models.llama3_2.lora_llama3_2_1b
          lora_attn_modules: ['q_proj', 'v_proj', 'output_proj']
          apply_lora_to_mlp: True
        tokenizer:
          _component_: torchtune.models.llama3.llama3_tokenizer
          path: /tmp/Llama-3.2-1B-Instruct/original/tokenizer.model
          max_seq_len: 1024
        checkpointer:
          _component_: torchtune.training.FullModelHFCheckpointer
          checkpoint_dir: /tmp/Llama-3.2-1B-Instruct/
          checkpoint_files: [model.safetensors]
          output_dir: ${output_dir}
          model_type: LLAMA3_2
        dataset:
          _component_: torchtune.datasets.alpaca_cleaned_dataset
          packed: False
        seed: null
        batch_size: 4
        optimizer:
          _component_: torch.optim.AdamW
          fused: True
          lr: 3e-4
        loss:
          _component_: torchtune.modules.loss.LinearCrossEntropyLoss
        epochs: 1
        max_steps_per_epoch: null
        gradient_accumulation_steps: 8
        compile: False
        device: cuda
        dtype: bf16
        enable_activation_checkpointing: False
        """;

    internal static ConfigAnalysis Analyze(string text, string name = "config.yaml")
    {
        using var files = new DialectTestFiles();
        files.Write(name, text);
        return files.Analyze(name);
    }

    [Fact]
    public void A_lora_builder_binds_with_the_builders_defaults_and_torchtunes_module_names()
    {
        var analysis = Analyze(Lora);
        Assert.Equal("torchtune", analysis.Dialect?.Id);
        var plan = analysis.Plan!;
        Assert.Equal("llama-3.2-1b", plan.Model.Id);
        Assert.Equal(FineTuneMethod.Lora, plan.Method.Type);
        // lora_llama3_2_1b's own defaults (torchtune/models/llama3_2/_model_builders.py 76): rank 8, alpha 16, dropout 0.
        Assert.Equal(8, plan.Method.Lora.Rank);
        Assert.Equal(16, plan.Method.Lora.Alpha);
        Assert.Equal(0, plan.Method.Lora.Dropout);
        Assert.Equal(["q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], plan.Method.Lora.TargetModules);
        Assert.Equal(Quantization.None, plan.Model.Quantization);
        Assert.Equal(PrecisionRegime.Pure, plan.Model.Regime);
        Assert.Equal((4, 8, 1024), (plan.Training.MicroBatchSize, plan.Training.GradientAccumulationSteps, plan.Training.SequenceLength));
        Assert.False(plan.Training.GradientCheckpointing);
        Assert.Equal(0, plan.DeepSpeed.ZeroStage);
        Assert.Equal(OptimizerType.AdamW, plan.Optimizer.Type);
        var problems = analysis.Diagnostics.Where(d => d.Severity <= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(" | ", problems.Select(d => $"{d.Range.Start.Line + 1} {d.Code} {d.Message}")));
    }

    [Fact]
    public void A_qlora_builder_is_an_nf4_base_and_quantize_base_false_turns_it_off()
    {
        var qlora = Analyze(Lora.Replace("lora_llama3_2_1b", "qlora_llama3_2_1b")).Plan!;
        Assert.Equal(Quantization.Nf4, qlora.Model.Quantization);
        var off = Analyze(Lora.Replace("lora_llama3_2_1b", "qlora_llama3_2_1b").Replace("  apply_lora_to_mlp: True", "  apply_lora_to_mlp: True\n  quantize_base: False")).Plan!;
        Assert.Equal(Quantization.None, off.Model.Quantization);
    }

    [Fact]
    public void The_tune_run_comment_gives_the_recipe_and_the_GPU_count_and_a_distributed_recipe_shards_with_FSDP2()
    {
        var text = Lora.Replace("#   tune run lora_finetune_single_device", "#   tune run --nnodes 1 --nproc_per_node 4 lora_finetune_distributed").Replace("dtype: bf16", "dtype: bf16\nfsdp_cpu_offload: True");
        var analysis = Analyze(text);
        var plan = analysis.Plan!;
        Assert.Equal(4, plan.Hardware.GpusPerNode);
        Assert.Equal("the `tune run` comment", analysis.Provenance.Of(PlanField.GpusPerNode).Detail);
        Assert.Equal(3, plan.DeepSpeed.ZeroStage);
        Assert.Equal(OffloadTarget.Cpu, plan.DeepSpeed.OffloadParams);
        Assert.Equal(OffloadTarget.Cpu, plan.DeepSpeed.OffloadOptimizer);
        Assert.Equal("lora_finetune_distributed", ((Core.Dialects.Torchtune.TorchtuneBinding)analysis.Binding!).Recipe!.Name);
    }

    [Fact]
    public void The_modeline_overrides_the_comment()
    {
        var analysis = Analyze("# lft: recipe=lora_finetune_distributed gpus_per_node=2\n" + Lora);
        Assert.Equal(2, analysis.Plan!.Hardware.GpusPerNode);
        Assert.Equal(3, analysis.Plan.DeepSpeed.ZeroStage);
    }

    [Fact]
    public void Max_seq_len_null_assumes_the_plans_default_length_and_says_so_on_the_key()
    {
        var analysis = Analyze(Lora.Replace("max_seq_len: 1024", "max_seq_len: null"));
        Assert.Equal(Core.Dialects.Torchtune.TorchtuneBinder.AssumedSequenceLength, analysis.Plan!.Training.SequenceLength);
        var note = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("max_seq_len"));
        Assert.Equal(13, note.Range.Start.Line + 1);
    }

    [Fact]
    public void Without_a_known_checkpoint_the_builders_name_finds_its_catalog_entry_and_keeps_the_builders_architecture()
    {
        var analysis = Analyze(Lora.Replace("torchtune.models.llama3_2.lora_llama3_2_1b", "torchtune.models.qwen3.lora_qwen3_8b_instruct")
            .Replace("meta-llama/Llama-3.2-1B-Instruct", "house/qwen3-8b-finetune").Replace("/tmp/Llama-3.2-1B-Instruct/", "/tmp/house-qwen3-8b-finetune/"));
        var plan = analysis.Plan!;
        // qwen3_8b_instruct: the catalog alias qwen3_8b after the variant suffix.
        Assert.Equal("qwen3-8b", plan.Model.Id);
        Assert.Equal(ModelSourceKind.Builder, plan.Model.Origin!.Kind);
        Assert.NotNull(plan.Model.PublishedParameters);
        Assert.Equal((36, 4096, 12288, 151936, 8, 128), (plan.Model.Architecture.NumHiddenLayers, plan.Model.Architecture.HiddenSize,
            plan.Model.Architecture.IntermediateSize, plan.Model.Architecture.VocabSize, plan.Model.Architecture.KeyValueHeads, plan.Model.Architecture.HeadDimension));
        Assert.NotNull(analysis.Estimate);
    }

    [Fact]
    public void Without_a_catalog_entry_the_builders_own_architecture_is_estimated()
    {
        var analysis = Analyze(Lora.Replace("torchtune.models.llama3_2.lora_llama3_2_1b", "torchtune.models.llama2.lora_llama2_reward_7b")
            .Replace("meta-llama/Llama-3.2-1B-Instruct", "house/llama2-reward").Replace("/tmp/Llama-3.2-1B-Instruct/", "/tmp/house-llama2-reward/"));
        var plan = analysis.Plan!;
        Assert.Equal("llama2_reward_7b", plan.Model.Id);
        Assert.Equal((32, 4096, 11008), (plan.Model.Architecture.NumHiddenLayers, plan.Model.Architecture.HiddenSize, plan.Model.Architecture.IntermediateSize));
        Assert.Null(plan.Model.PublishedParameters);
        Assert.NotNull(analysis.Estimate);
    }

    [Fact]
    public void Pure_bf16_full_fine_tuning_keeps_two_byte_gradients_and_bf16_adamw_moments_with_no_master_copy()
    {
        // Hand-derived: P trained parameters in pure bf16 hold 2P weights, 2P gradients, 2 x 2P AdamW moments, and no
        // fp32 master copy or gradient copy: 8 B per parameter instead of mixed precision's 2 + 2 + 12 + 4 = 20.
        var full = Analyze(Lora.Replace("lora_llama3_2_1b", "llama3_2_1b").Replace("  lora_attn_modules: ['q_proj', 'v_proj', 'output_proj']\n  apply_lora_to_mlp: True\n", ""));
        var estimate = full.Estimate!;
        var p = (double)estimate.Parameters.TrainableParameters;
        Assert.Equal(1_235_814_400, estimate.Parameters.TrainableParameters);
        Assert.Equal((long)Math.Round(2 * p), estimate.Memory.Term(MemoryTermNames.Weights));
        Assert.Equal((long)Math.Round(2 * p), estimate.Memory.Term(MemoryTermNames.Gradients));
        Assert.Equal((long)Math.Round(4 * p), estimate.Memory.Term(MemoryTermNames.OptimizerStates));
        Assert.Equal(0, estimate.Memory.Term(MemoryTermNames.OptimizerStepBuffers));
        var mixed = Estimate.For(full.Plan! with { Model = full.Plan!.Model with { Regime = PrecisionRegime.MixedWithMaster } });
        Assert.Equal((long)Math.Round(12 * p), mixed.Memory.Term(MemoryTermNames.OptimizerStates));
        // LoRA adapters and their AdamW moments are bf16 too.
        var lora = Analyze(Lora).Estimate!;
        var adapters = (double)lora.Parameters.AdapterParameters;
        Assert.Equal((long)Math.Round(2 * adapters), lora.Memory.Term(MemoryTermNames.Gradients));
        Assert.Equal((long)Math.Round(4 * adapters), lora.Memory.Term(MemoryTermNames.OptimizerStates));
    }

    [Fact]
    public void Evaluation_configs_are_claimed_and_checked_but_not_estimated()
    {
        var analysis = Analyze("""
            #   tune run eleuther_eval --config eleuther_evaluation
            model:
              _component_: torchtune.models.llama2.llama2_7b
            checkpointer:
              _component_: torchtune.training.FullModelHFCheckpointer
              checkpoint_dir: /tmp/Llama-2-7b-hf
              checkpoint_files: [a.safetensors]
              model_type: LLAMA2
            tasks: ["truthfulqa_mc2"]
            batch_size: 8
            dtype: bf16
            """);
        Assert.Equal("torchtune", analysis.Dialect?.Id);
        Assert.Null(analysis.Estimate);
        Assert.Empty(analysis.Diagnostics);
    }

    [Fact]
    public void A_native_config_with_a_model_section_is_not_claimed()
    {
        var analysis = Analyze("model:\n  name: llama-3.2-1b\ntraining:\n  micro_batch_size: 1\n");
        Assert.Equal("native", analysis.Dialect?.Id);
    }

    [Fact]
    public void Applying_a_fix_reaches_the_estimate_it_promised()
    {
        var text = "# lft: gpu=l4\n" + Lora.Replace("max_seq_len: 1024", "max_seq_len: 4096").Replace("batch_size: 4", "batch_size: 8");
        var analysis = Analyze(text);
        var oom = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
        Assert.Contains(oom.Fixes, f => f.Changes.Any(c => c.Field == PlanField.GradientCheckpointing));
        foreach (var fix in oom.Fixes)
        {
            Assert.DoesNotContain(fix.Changes, c => c.Field is PlanField.ZeroStage or PlanField.Attention or PlanField.Method);
            var edited = ConfigEditorTests.Apply(text, Assert.Single(fix.Edits).Edits);
            var again = Analyze(edited);
            Assert.Equal(fix.Result!.Memory.PeakBytes, again.Estimate!.Memory.PeakBytes);
            Assert.DoesNotContain(again.Diagnostics, d => d.Code.StartsWith("LFT01", StringComparison.Ordinal) || d.Code == DiagnosticCodes.FrameworkRefuses);
        }
        var search = analysis.FindFastestPlan()!;
        Assert.NotNull(search.Best);
        Assert.DoesNotContain(search.Best!.Changes, c => c.Field is PlanField.ZeroStage or PlanField.Attention or PlanField.Method or PlanField.OffloadOptimizer or PlanField.OffloadParams);
        var checkpointing = oom.Fixes.First(f => f.Changes.Any(c => c.Field == PlanField.GradientCheckpointing));
        Assert.Contains("enable_activation_checkpointing: True", ConfigEditorTests.Apply(text, checkpointing.Edits[0].Edits));
    }

    [Fact]
    public void The_qlora_fix_switches_to_the_qlora_builder_and_the_8bit_optimizer_drops_torchs_fused_argument()
    {
        var analysis = Analyze(Lora);
        var binding = analysis.Binding!;
        var dialect = analysis.Dialect!;
        var qlora = dialect.Write(binding, [new PlanChange(PlanField.Quantization, Quantization.Nf4)]);
        var edited = ConfigEditorTests.Apply(Lora, qlora[0].Edits);
        Assert.Contains("_component_: torchtune.models.llama3_2.qlora_llama3_2_1b", edited);
        Assert.Equal(Quantization.Nf4, Analyze(edited).Plan!.Model.Quantization);
        var paged = ConfigEditorTests.Apply(Lora, dialect.Write(binding, [new PlanChange(PlanField.Optimizer, OptimizerType.AdamW8bit)])[0].Edits);
        Assert.Contains("_component_: bitsandbytes.optim.PagedAdamW8bit", paged);
        Assert.DoesNotContain("fused", paged);
        var again = Analyze(paged);
        Assert.Equal(OptimizerType.AdamW8bit, again.Plan!.Optimizer.Type);
        Assert.DoesNotContain(again.Diagnostics, d => d.Code.StartsWith("LFT01", StringComparison.Ordinal));
        // ZeRO stages and the attention kernel have no key in torchtune; a single-device recipe has no CPU offload.
        Assert.Superset(new HashSet<PlanField> { PlanField.ZeroStage, PlanField.Attention, PlanField.OffloadOptimizer, PlanField.OffloadParams }, dialect.Unwritable(binding).ToHashSet());
        Assert.Empty(dialect.Write(binding, [new PlanChange(PlanField.ZeroStage, 3)]));
    }

    [Fact]
    public void Fsdp_cpu_offload_is_written_only_for_both_states_together_in_a_distributed_recipe()
    {
        var text = Lora.Replace("#   tune run lora_finetune_single_device", "#   tune run --nproc_per_node 2 lora_finetune_distributed");
        var analysis = Analyze(text);
        var dialect = analysis.Dialect!;
        Assert.Empty(dialect.Write(analysis.Binding!, [new PlanChange(PlanField.OffloadOptimizer, OffloadTarget.Cpu)]));
        var both = dialect.Write(analysis.Binding!, [new PlanChange(PlanField.OffloadOptimizer, OffloadTarget.Cpu), new PlanChange(PlanField.OffloadParams, OffloadTarget.Cpu)]);
        Assert.Contains("fsdp_cpu_offload: True", ConfigEditorTests.Apply(text, both[0].Edits));
    }

    [Theory]
    [InlineData("enable_activation_checkpointing", PlanField.GradientCheckpointing, "enable_activation_checkpointing: True")]
    [InlineData("batch_size", PlanField.MicroBatchSize, "batch_size: 2")]
    [InlineData("model._component_", PlanField.Quantization, "model._component_: the qlora_ builder of the model")]
    public void A_hover_on_a_memory_key_says_what_its_other_values_would_do_in_torchtunes_words(string key, PlanField field, string setting)
    {
        var analysis = Analyze(Lora);
        var property = analysis.Tree.FindProperty(key)!;
        Assert.Contains(field, analysis.Provenance.FieldsDrivenBy(property));
        var effects = KeyEffects.For(analysis.Estimate!, field);
        Assert.Contains(effects, e => analysis.Dialect!.Vocabulary.Setting(e.Change) == setting);
    }

    [Fact]
    public void Writing_hardware_goes_to_the_modeline()
    {
        var analysis = Analyze(Lora);
        var edits = analysis.Dialect!.WriteHardware(analysis.Binding!, "h100-sxm", 8);
        Assert.StartsWith("# lft: gpu=h100-sxm gpus_per_node=8\n", ConfigEditorTests.Apply(Lora, edits[0].Edits));
    }

    [Theory]
    [InlineData("torchtune.rlhf.loss.DPOLoss", "", TrainingObjective.Dpo, ReferenceSource.AdapterDisabled)]
    [InlineData("torchtune.rlhf.loss.DPOLoss", "ref_checkpointer:\n  _component_: torchtune.training.FullModelHFCheckpointer\n", TrainingObjective.Dpo, ReferenceSource.Copy)]
    [InlineData("torchtune.rlhf.loss.SimPOLoss", "", TrainingObjective.Orpo, ReferenceSource.None)]
    public void The_loss_component_is_the_objective(string loss, string extra, TrainingObjective objective, ReferenceSource reference)
    {
        var plan = Analyze(Lora.Replace("torchtune.modules.loss.LinearCrossEntropyLoss", loss) + "\n" + extra).Plan!;
        Assert.Equal(objective, plan.Objective.Type);
        Assert.Equal(reference, plan.Objective.Reference(plan.Method.Type));
    }

    [Fact]
    public void Use_dora_in_the_model_builder_is_DoRA() =>
        Assert.True(Analyze(Lora.Replace("  apply_lora_to_mlp: True\n", "  apply_lora_to_mlp: True\n  use_dora: True\n")).Plan!.Method.Lora.UseDora);
}
