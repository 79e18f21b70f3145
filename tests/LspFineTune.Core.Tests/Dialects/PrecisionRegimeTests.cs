using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Bytes per trained parameter of a full fine-tune with AdamW, by framework, for Llama-3.2-3B (P = 3,212,749,824):
/// hand-derived from each framework's source (see PrecisionRegime and TrainerPrecision):
/// pure bf16 (HF Trainer on a bf16-loaded model, axolotl without DeepSpeed, LLaMA-Factory pure_bf16, torchtune)
/// 2 + 2 + 4 = 8 B; fp32 trained weights under autocast (LLaMA-Factory full, TRL's float32 load, accelerate's FSDP)
/// 4 + 4 + 8 = 16 B, plus autocast's 2 B bf16 copy of every matmul weight; DeepSpeed 2 + 2 + 12 (+ 4 B fp32 gradient
/// partition) over N GPUs.
/// </summary>
public class PrecisionRegimeTests
{
    private const long P = 3_212_749_824;

    private static Estimate Estimate(string name, string text)
    {
        using var files = new DialectTestFiles();
        files.Write("ds_z2.json", """{"zero_optimization": {"stage": 2}, "bf16": {"enabled": true}, "train_micro_batch_size_per_gpu": "auto"}""");
        files.Write(name, text);
        var analysis = files.Analyze(name);
        Assert.NotNull(analysis.Estimate);
        return analysis.Estimate!;
    }

    private static (double Weights, double Gradients, double States, double StepBuffers, double Copies) PerParameter(Estimate estimate)
    {
        var memory = estimate.Memory;
        Assert.Equal(P, estimate.Parameters.BaseParameters);
        return (memory.Term(MemoryTermNames.Weights) / (double)P, memory.Term(MemoryTermNames.Gradients) / (double)P,
            memory.Term(MemoryTermNames.OptimizerStates) / (double)P, memory.Term(MemoryTermNames.OptimizerStepBuffers) / (double)P,
            memory.Term(MemoryTermNames.AutocastWeightCopies) / (double)P);
    }

    // Two micro-batches per step: the gradients outlive the first, so they are alive at the peak with the states.
    private const string Trl = "model_name_or_path: meta-llama/Llama-3.2-3B\noutput_dir: out\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 2\nmax_length: 512\n";

    [Fact]
    public void The_Trainer_on_a_bf16_loaded_model_trains_pure_bf16_8_bytes_per_parameter()
    {
        var (weights, gradients, states, buffers, copies) = PerParameter(Estimate("sft.yaml", Trl + "dtype: bfloat16\n"));
        Assert.Equal((2, 2, 4, 0, 0), (weights, gradients, states, buffers, copies));
    }

    [Fact]
    public void The_Trainer_on_TRLs_float32_default_trains_fp32_weights_with_bf16_copies_for_the_matmuls()
    {
        var estimate = Estimate("sft.yaml", Trl);
        var (weights, gradients, states, buffers, copies) = PerParameter(estimate);
        Assert.Equal((4, 4, 8, 0), (weights, gradients, states, buffers));
        // One bf16 copy of each block linear and of the (tied) head; with checkpointing (TRL's default) only one block's.
        var structure = estimate.Parameters.Structure;
        var expected = 2.0 * (structure.BlockLinearWeights / (double)structure.Layers + structure.EmbeddingParameters);
        Assert.Equal(expected, copies * P, 1);
    }

    [Fact]
    public void DeepSpeed_keeps_fp32_master_weights_whatever_the_load_dtype()
    {
        var estimate = Estimate("sft.yaml", "# lft: gpu=a100-80gb gpus_per_node=4\n" + Trl + "dtype: bfloat16\ndeepspeed: ds_z2.json\n");
        var (weights, gradients, states, buffers, copies) = PerParameter(estimate);
        // ZeRO-2 over 4 GPUs: 16-bit weights whole, gradients and the 12 B of master + moments and the 4 B fp32 gradient partition / 4.
        Assert.Equal((2, 0.5, 3, 1, 0), (weights, gradients, states, buffers, copies));
    }

    [Fact]
    public void LLaMA_Factory_full_tuning_upcasts_trained_weights_to_fp32_unless_pure_bf16()
    {
        const string lf = "model_name_or_path: meta-llama/Llama-3.2-3B\nstage: sft\nfinetuning_type: full\ntemplate: llama3\ncutoff_len: 512\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 2\nbf16: true\noutput_dir: out\n";
        var upcast = PerParameter(Estimate("lf.yaml", lf));
        Assert.Equal((4, 4, 8, 0), (upcast.Weights, upcast.Gradients, upcast.States, upcast.StepBuffers));
        Assert.True(upcast.Copies > 0);
        var pure = PerParameter(Estimate("lf.yaml", lf + "pure_bf16: true\n"));
        Assert.Equal((2, 2, 4, 0, 0), pure);
    }

    [Fact]
    public void Axolotl_trains_in_its_torch_dtype_and_FSDP_upcasts_the_trained_weights()
    {
        const string axolotl = "base_model: meta-llama/Llama-3.2-3B\nsequence_len: 512\nmicro_batch_size: 1\ngradient_accumulation_steps: 2\nbf16: true\ndatasets:\n  - path: data.jsonl\n    type: alpaca\n";
        Assert.Equal((2, 2, 4, 0, 0), PerParameter(Estimate("axolotl.yml", axolotl)));
        var fsdp = PerParameter(Estimate("axolotl.yml", "# lft: gpu=a100-80gb gpus_per_node=4\n" + axolotl + "fsdp_config:\n  fsdp_version: 2\n  reshard_after_forward: true\n"));
        // FULL_SHARD over 4 GPUs of fp32 weights, gradients and moments: (4 + 4 + 8) / 4; the gathered blocks are bf16.
        Assert.Equal((1, 1, 2, 0, 0), fsdp);
    }

    [Fact]
    public void A_fix_that_adds_DeepSpeed_brings_its_master_weights_into_the_estimate_it_promises()
    {
        var plan = Estimate("sft.yaml", "# lft: gpu=a100-80gb gpus_per_node=4\n" + Trl + "dtype: bfloat16\n").Plan;
        Assert.True(Precision.IsPure(plan));
        var sharded = Core.Advice.PlanChanges.Apply(plan, new Core.Dialects.PlanChange(Core.Dialects.PlanField.ZeroStage, 3));
        Assert.Equal(ShardingEngine.DeepSpeed, sharded.DeepSpeed.Engine);
        Assert.True(Precision.KeepsMasterWeights(sharded));
    }
}

/// <summary>The native format states the regime with model.precision.</summary>
public class NativePrecisionTests
{
    [Theory]
    [InlineData("mixed", 2, 2, 12)]
    [InlineData("pure", 2, 2, 4)]
    [InlineData("autocast", 4, 4, 8)]
    public void Model_precision_sets_the_bytes_per_trained_parameter(string precision, double weights, double gradients, double states)
    {
        using var files = new DialectTestFiles();
        files.Write("run.lft.yaml", $"model:\n  name: llama-3.2-1b\n  dtype: bf16\n  precision: {precision}\nmethod:\n  type: full\ntraining:\n  micro_batch_size: 1\n  gradient_accumulation_steps: 2\n  sequence_length: 256\n");
        var analysis = files.Analyze("run.lft.yaml");
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity == Core.Diagnostics.DiagnosticSeverity.Error && d.Code.StartsWith("LFT01", StringComparison.Ordinal));
        var estimate = analysis.Estimate!;
        var p = (double)estimate.Parameters.BaseParameters;
        Assert.Equal((weights, gradients, states),
            (estimate.Memory.Term(MemoryTermNames.Weights) / p, estimate.Memory.Term(MemoryTermNames.Gradients) / p, estimate.Memory.Term(MemoryTermNames.OptimizerStates) / p));
    }
}
