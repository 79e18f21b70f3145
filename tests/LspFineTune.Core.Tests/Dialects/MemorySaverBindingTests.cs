using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Each dialect's memory-saver keys bound to the plan with the framework's own defaults.</summary>
public class MemorySaverBindingTests
{
    private static ConfigAnalysis AnalyzeAxolotl(string extra, string? modeline = null) => AxolotlBindingTests.Analyze(extra, modeline);

    private static MemorySaversChoice AxolotlSavers(string extra, string? modeline = null) => AnalyzeAxolotl(extra, modeline).Plan!.Savers;

    [Fact]
    public void Axolotl_chunked_cross_entropy_is_compiled_views_of_the_logits_in_8_chunks_or_its_own_count()
    {
        Assert.Equal(new LossChoice(LossKernel.Chunked, ChunkSplit.LogitsViews, 8, Compiled: true), LossChoice.Of(AxolotlSavers("chunked_cross_entropy: true\n")));
        Assert.Equal(16, AxolotlSavers("chunked_cross_entropy: true\nchunked_cross_entropy_num_chunks: 16\n").LossChunks);
        Assert.Equal(LossKernel.Standard, AxolotlSavers("chunked_cross_entropy: false\n").Loss);
    }

    [Theory]
    [InlineData("plugins:\n  - axolotl.integrations.liger.LigerPlugin\nliger_fused_linear_cross_entropy: true\n", LossKernel.LigerFused)]
    // Plugin keys are merged only when the plugin is listed.
    [InlineData("liger_fused_linear_cross_entropy: true\n", LossKernel.Standard)]
    [InlineData("plugins:\n  - axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin\n", LossKernel.CutCrossEntropy)]
    [InlineData("plugins:\n  - axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin\ncut_cross_entropy: false\n", LossKernel.Standard)]
    public void Axolotl_plugin_losses_need_their_plugin(string extra, LossKernel kernel) =>
        Assert.Equal(kernel, AxolotlSavers(extra).Loss);

    [Fact]
    public void Axolotl_liger_block_kernels_are_their_own_keys()
    {
        var savers = AxolotlSavers("plugins:\n  - axolotl.integrations.liger.LigerPlugin\nliger_rms_norm: true\nliger_glu_activation: true\n");
        Assert.Equal((LossKernel.Standard, true, true), (savers.Loss, savers.LigerRmsNorm, savers.LigerGatedMlp));
        Assert.False(AxolotlSavers("liger_rms_norm: true\n").LigerRmsNorm);
    }

    [Theory]
    [InlineData("gradient_checkpointing: true\nactivation_offloading: true\n", ActivationOffload.Streams)]
    [InlineData("gradient_checkpointing: true\nactivation_offloading: legacy\n", ActivationOffload.Synchronous)]
    [InlineData("gradient_checkpointing: true\nactivation_offloading: disk\n", ActivationOffload.Streams)]
    [InlineData("gradient_checkpointing: offload\n", ActivationOffload.Streams)]
    // Refused by axolotl without checkpointing (and said so by its rules): not estimated as offloaded.
    [InlineData("activation_offloading: true\n", ActivationOffload.None)]
    public void Axolotl_activation_offloading(string extra, ActivationOffload offload) =>
        Assert.Equal(offload, AxolotlSavers(extra).Offload);

    [Fact]
    public void Axolotl_tensor_parallel_size_splits_the_states_on_whole_groups_and_says_so_otherwise()
    {
        var two = AnalyzeAxolotl("tensor_parallel_size: 2\n", "# lft: gpu=a100-80gb gpus_per_node=2");
        var one = AnalyzeAxolotl("", "# lft: gpu=a100-80gb gpus_per_node=2");
        Assert.Equal(2, two.Plan!.Savers.TensorParallelSize);
        Assert.Equal(one.Estimate!.Memory.Term(MemoryTermNames.Weights) / 2.0, two.Estimate!.Memory.Term(MemoryTermNames.Weights), 2);
        var alone = AnalyzeAxolotl("tensor_parallel_size: 2\n");
        Assert.Contains(alone.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("groups of 2 GPUs"));
        Assert.Equal(1, ParallelDegrees.Tensor(alone.Plan!));
    }

    [Fact]
    public void Axolotl_torch_compile_is_recorded_and_leaves_the_estimate_as_it_is_with_a_note()
    {
        var compiled = AnalyzeAxolotl("torch_compile: true\n");
        Assert.True(compiled.Plan!.Savers.Compile);
        Assert.Equal(AnalyzeAxolotl("").Estimate!.Memory.PeakBytes, compiled.Estimate!.Memory.PeakBytes);
        Assert.Contains(compiled.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("torch.compile"));
    }

    private static MemorySaversChoice Torchtune(string replace, string with)
    {
        var text = TorchtuneBindingTests.Lora.Replace(replace, with, StringComparison.Ordinal);
        Assert.Contains(with, text, StringComparison.Ordinal);
        return TorchtuneBindingTests.Analyze(text).Plan!.Savers;
    }

    [Fact]
    public void Torchtune_loss_components_bind_their_split_chunks_and_compile()
    {
        const string loss = "  _component_: torchtune.modules.loss.LinearCrossEntropyLoss\n";
        Assert.Equal(new LossChoice(LossKernel.Chunked, ChunkSplit.Hidden, 8, false), LossChoice.Of(Torchtune("compile: False", "compile: False")));
        Assert.True(Torchtune("compile: False", "compile: True").LossCompiled);
        Assert.False(Torchtune("compile: False", "compile:\n  model: True\n  loss: False").LossCompiled);
        var headOutputs = Torchtune(loss, "  _component_: torchtune.modules.loss.CEWithChunkedOutputLoss\n  num_output_chunks: 16\n");
        Assert.Equal((ChunkSplit.HeadOutputs, 16), (headOutputs.ChunkSplit, headOutputs.LossChunks));
        Assert.Equal(LossKernel.Standard, Torchtune(loss, "  _component_: torch.nn.CrossEntropyLoss\n").Loss);
    }

    /// <summary>The LoRA example as a full fine-tune with full_finetune_distributed on 4 GPUs (the recipe that reads
    /// ac_mode, optimizer_in_bwd and the parallel dims).</summary>
    private static TrainingPlan TorchtuneFull(string extra)
    {
        var text = TorchtuneBindingTests.Lora
            .Replace("tune run lora_finetune_single_device", "tune run --nproc_per_node 4 full_finetune_distributed", StringComparison.Ordinal)
            .Replace("lora_llama3_2_1b", "llama3_2_1b", StringComparison.Ordinal)
            .Replace("gradient_accumulation_steps: 8", "gradient_accumulation_steps: 1", StringComparison.Ordinal);
        return TorchtuneBindingTests.Analyze(text + "\n" + extra).Plan!;
    }

    [Fact]
    public void Torchtune_selective_checkpointing_offloading_and_the_optimizer_step_in_backward()
    {
        var selective = TorchtuneFull("ac_mode: selective\nac_option: 2\n");
        Assert.True(selective.Training.GradientCheckpointing);
        Assert.Equal(2, selective.Savers.CheckpointEvery);
        // The LoRA recipe does not read ac_mode: nothing is checkpointed.
        Assert.False(TorchtuneBindingTests.Analyze(TorchtuneBindingTests.Lora + "\nac_mode: selective\nac_option: 2\n").Plan!.Training.GradientCheckpointing);
        Assert.Equal(ActivationOffload.Streams, Torchtune("enable_activation_checkpointing: False", "enable_activation_checkpointing: True\nenable_activation_offloading: True").Offload);
        Assert.Equal(ActivationOffload.Synchronous, Torchtune("enable_activation_checkpointing: False", "enable_activation_checkpointing: True\nenable_activation_offloading: True\nactivation_offloading_use_streams: False").Offload);
        // Refused without checkpointing: not estimated as offloaded.
        Assert.Equal(ActivationOffload.None, Torchtune("enable_activation_checkpointing: False", "enable_activation_checkpointing: False\nenable_activation_offloading: True").Offload);
        Assert.True(TorchtuneFull("optimizer_in_bwd: True\n").Savers.OptimizerInBackward);
        Assert.False(Torchtune("compile: False", "compile: False\noptimizer_in_bwd: True").OptimizerInBackward);
        var parallel = TorchtuneFull("tensor_parallel_dim: 2\ncontext_parallel_dim: 2\n");
        Assert.Equal((2, 2, 2, 2), (parallel.Savers.TensorParallelSize, parallel.Savers.ContextParallelSize, ParallelDegrees.Tensor(parallel), ParallelDegrees.Context(parallel)));
    }

    private static MemorySaversChoice Trl(string extra, string? modeline = null) => TrlBindingTests.Analyze(extra, modeline).Plan!.Savers;

    [Fact]
    public void TRL_liger_offloading_and_compile()
    {
        var liger = Trl("use_liger_kernel: true\n");
        Assert.Equal((LossKernel.LigerFused, true, true), (liger.Loss, liger.LigerRmsNorm, liger.LigerGatedMlp));
        var config = Trl("use_liger_kernel: true\nliger_kernel_config:\n  rms_norm: false\n  fused_linear_cross_entropy: false\n");
        Assert.Equal((LossKernel.Standard, false, true), (config.Loss, config.LigerRmsNorm, config.LigerGatedMlp));
        Assert.Equal(LossKernel.LigerFused, Trl("use_liger_kernel: true\n", "# lft: recipe=dpo").Loss);
        Assert.Equal(ActivationOffload.Streams, Trl("activation_offloading: true\n").Offload);
        Assert.True(Trl("torch_compile_mode: max-autotune\n").Compile);
    }

    private static ConfigAnalysis LlamaFactory(string extra) => LlamaFactoryBindingTests.Analyze(LlamaFactoryBindingTests.Base + extra);

    [Fact]
    public void LLaMA_Factory_liger_is_fused_only_where_the_stage_needs_no_logits_and_unsloth_gc_offloads()
    {
        Assert.Equal(LossKernel.LigerFused, LlamaFactory("enable_liger_kernel: true\n").Plan!.Savers.Loss);
        var dpo = LlamaFactoryBindingTests.Analyze(LlamaFactoryBindingTests.Base.Replace("stage: sft", "stage: dpo") + "enable_liger_kernel: true\n");
        Assert.Equal(LossKernel.Standard, dpo.Plan!.Savers.Loss);
        Assert.True(dpo.Plan.Savers.LigerRmsNorm);
        Assert.Contains(dpo.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("without its fused linear cross-entropy"));
        Assert.Equal(ActivationOffload.Synchronous, LlamaFactory("use_unsloth_gc: true\n").Plan!.Savers.Offload);
        Assert.Equal(ActivationOffload.None, LlamaFactory("use_unsloth_gc: true\ndisable_gradient_checkpointing: true\n").Plan!.Savers.Offload);
    }

    [Theory]
    [InlineData("kernel_config:\n  name: liger_kernel\n", LossKernel.LigerFused)]
    [InlineData("kernel_config:\n  name: liger_kernel\n  use_kernels: [rms_norm, flce]\n", LossKernel.LigerFused)]
    [InlineData("kernel_config:\n  name: liger_kernel\n  use_kernels: [rms_norm]\n", LossKernel.Standard)]
    [InlineData("kernel_config:\n  name: liger_kernel\n  require_logits: true\n", LossKernel.Standard)]
    public void LLaMA_Factory_v1_liger_kernel_config_fuses_the_loss_unless_told_not_to(string extra, LossKernel kernel) =>
        Assert.Equal(kernel, LlamaFactoryBindingTests.AnalyzeV1(extra).Plan!.Savers.Loss);

    [Fact]
    public void LLaMA_Factory_v1_cp_size_splits_each_sequence_over_whole_groups()
    {
        Assert.Equal(2, LlamaFactoryBindingTests.AnalyzeV1("cp_size: 2\n", "# lft: gpu=a100-80gb gpus_per_node=4").Plan!.Savers.ContextParallelSize);
        var alone = LlamaFactoryBindingTests.AnalyzeV1("cp_size: 2\n");
        Assert.Equal(1, ParallelDegrees.Context(alone.Plan!));
        Assert.Contains(alone.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("groups of 2 GPUs"));
    }
}
