using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>
/// The memory savers' terms against hand derivations. The reference shape throughout: Llama-3-8B (L = 32, h = 4096,
/// f = 14336, a = 32, V = 128,256) in bf16 (B = 2), micro-batch 1, s = 8192, so T = 8192 tokens and
/// N = T V = 1,050,673,152 logit values.
/// </summary>
public class MemorySaverTests
{
    private const double N = 8192.0 * 128256;

    private static TrainingPlan Llama3(MemorySaversChoice savers, bool checkpointing = false, int gpus = 1) =>
        TestPlans.Catalog("llama-3-8b", gpusPerNode: gpus).WithTraining(1, 8192, checkpointing) with { Savers = savers };

    private static double Logits(TrainingPlan plan) => LogitsMemory.Bytes(plan, out _);

    [Fact]
    public void Standard_loss_holds_12_bytes_per_logit()
    {
        // fp32 log-probabilities + their gradient + the fp32 logits' gradient: 12 x 1,050,673,152 = 12.6 GB.
        Assert.Equal(12 * N, Logits(Llama3(new MemorySaversChoice())));
    }

    [Theory]
    // torchtune CEWithChunkedOutputLoss, eager, 8 chunks: forward ends with every bf16 chunk (2 N), every chunk's fp32
    // log-probs (4 N) and the last chunk's fp32 copy (4 N / 8): 6.5 N; the first backward chunk is 4 N + 8 N / 8 = 5 N.
    [InlineData(ChunkSplit.HeadOutputs, false, 6.5)]
    // The same, compiled (compile: True): inductor saves the bf16 chunks (2 N) and the first backward chunk writes a
    // bf16 gradient (2 N / 8): 2.25 N.
    [InlineData(ChunkSplit.HeadOutputs, true, 2.25)]
    // torchtune LinearCrossEntropyLoss, eager: the loss runs the head per chunk, so only fp32 log-probs are saved (4 N);
    // the last forward chunk adds its bf16 logits and fp32 copy ((2 + 4) N / 8: 4.75 N), the first backward chunk two
    // fp32 gradients (8 N / 8): 5 N.
    [InlineData(ChunkSplit.Hidden, false, 5)]
    [InlineData(ChunkSplit.Hidden, true, 2.25)]
    // axolotl's chunked_cross_entropy: views of the model's full logits, always compiled. At the end of backward the
    // eight bf16 chunk gradients (2 N) are concatenated by SplitBackward into a full one (2 N): 4 N. torchtitan#996
    // measured 7.32 GiB less peak memory with a chunked loss on this very shape (Llama-3-8B, b = 1, s = 8192): 7.48 B
    // per logit, against the 12 - 4 = 8 B derived here.
    [InlineData(ChunkSplit.LogitsViews, true, 4)]
    public void Chunked_cross_entropy_holds_what_its_split_and_compile_leave(ChunkSplit split, bool compiled, double bytesPerValue)
    {
        var plan = Llama3(new MemorySaversChoice { Loss = LossKernel.Chunked, ChunkSplit = split, LossChunks = 8, LossCompiled = compiled });
        Assert.Equal(bytesPerValue * N, Logits(plan), 1e-3);
    }

    [Fact]
    public void Liger_fused_linear_cross_entropy_holds_one_chunk_and_the_head_gradient_product()
    {
        // inc_factor = ceil(128256 / 4096) = 32, chunk = next_power_of_2(ceil(8192 / 32)) = 256 tokens.
        Assert.Equal(256, LogitsMemory.LigerChunkTokens(8192, 128256, 4096));
        // LoRA (head frozen): grad_input 2 x 8192 x 4096 = 67,108,864 + chunk logits 2 x 256 x 128256 = 65,667,072
        // + fp32 per-token loss 4 x 8192 = 32,768: 132,808,704 B, against 12.6 GB for the standard loss.
        var lora = Llama3(new MemorySaversChoice { Loss = LossKernel.LigerFused }).WithLora(16, "q_proj", "v_proj");
        Assert.Equal(132_808_704, Logits(lora));
        // Full fine-tuning adds mm(grad_logits.t(), input) in bf16 and its .float() copy: (2 + 4) x 128256 x 4096.
        var full = Llama3(new MemorySaversChoice { Loss = LossKernel.LigerFused });
        Assert.Equal(132_808_704 + 6.0 * 128256 * 4096, Logits(full));
    }

    [Fact]
    public void Liger_kernel_tensors_account_for_most_of_a_published_peak()
    {
        // trl#6858 benchmark: 16,384 tokens x 248,320 vocabulary x 2048 hidden, bf16, fwd+bwd on an H100: Liger's peak
        // 6.05 GB. The kernel's own tensors: chunk = next_power_of_2(ceil(16384 / ceil(248320 / 2048) = 122)) = 256;
        // grad_input 67.1 MB + chunk logits 127.1 MB + loss 0.07 MB + (2 + 4) x 508.6 M head product = 3.246 GB; the
        // benchmark also holds the head weight and grad_weight (2 x 1.017 GB) and the input (67 MB): 5.35 GB. The
        // remaining 12% is the allocator and the benchmark's own buffers, which the overhead term covers in an estimate.
        var kernel = LogitsMemory.LigerFusedBytes(2, 16384, 248320, 2048, headTrained: true);
        Assert.Equal(3_245_670_400, kernel);
        var benchmark = kernel + 2 * 2.0 * 248320 * 2048 + 2.0 * 16384 * 2048;
        Assert.InRange(benchmark / 6.05e9, 0.85, 1.0);
    }

    [Fact]
    public void Cut_cross_entropy_holds_only_the_log_sum_exp_and_the_hidden_gradient()
    {
        // 4 x 8192 (fp32 lse) + 2 x 8192 x 4096 (grad of the embeddings) = 67,141,632 B.
        Assert.Equal(67_141_632, Logits(Llama3(new MemorySaversChoice { Loss = LossKernel.CutCrossEntropy })));
    }

    [Fact]
    public void TRL_chunked_nll_holds_an_fp32_head_copy_and_one_checkpointed_chunk()
    {
        // LoRA: 4 x 128256 x 4096 (w.float()) = 2,101,346,304 + 16 x 256 x 128256 = 525,336,576 + 2 x 2 x 8192 x 4096
        // (the reordered hidden and its gradient) = 134,217,728: 2,760,900,608 B.
        var lora = Llama3(new MemorySaversChoice { Loss = LossKernel.ChunkedNll }).WithLora(16, "q_proj", "v_proj");
        Assert.Equal(2_760_900_608, Logits(lora));
    }

    [Fact]
    public void Offloading_keeps_the_stash_of_checkpoints_on_the_GPU_and_the_rest_on_the_host()
    {
        // A checkpoint is the block input, 2 h = 8192 B per token, x 8192 tokens = 67,108,864 B. Without offloading all
        // 32 are kept; OffloadActivations with streams keeps its forward stash of 5; a copy on the compute stream keeps 1.
        const double checkpoint = 8192.0 * 8192;
        var none = new ActivationMemory(Llama3(new MemorySaversChoice(), checkpointing: true), new ParameterBudget(Llama3(new MemorySaversChoice())));
        Assert.Equal(32 * checkpoint, none.CheckpointBytes);
        foreach (var (offload, resident) in new[] { (ActivationOffload.Streams, 5), (ActivationOffload.Synchronous, 1) })
        {
            var plan = Llama3(new MemorySaversChoice { Offload = offload }, checkpointing: true);
            var activations = new ActivationMemory(plan, new ParameterBudget(plan));
            Assert.Equal(resident * checkpoint, activations.CheckpointBytes);
            Assert.Equal((32 - resident) * checkpoint, activations.OffloadedBytes);
            Assert.Equal(32 * checkpoint, activations.HostCopyBytes);
            Assert.True(MemoryModel.Estimate(plan).OffloadedBytesPerNode >= (long)((32 - resident) * checkpoint));
        }
    }

    [Fact]
    public void Selective_checkpointing_of_every_second_block_keeps_half_the_blocks_whole_and_recomputes_half()
    {
        // training/activations.py: ac_option 2 wraps blocks 2, 4, ..., 32: 16 keep their input (8192 B per token), the
        // other 16 keep all of a block's 26h + 8f + 4a = 221,312 B per token (sdpa, k/v repeated).
        var plan = Llama3(new MemorySaversChoice { CheckpointEvery = 2 }, checkpointing: true);
        var activations = new ActivationMemory(plan, new ParameterBudget(plan));
        Assert.Equal(221_312, activations.LayerBytesPerToken);
        Assert.Equal(16 * 8192.0 * 8192, activations.CheckpointBytes);
        Assert.Equal(16 * 8192.0 * 221_312, activations.StoredBlockBytes);
        // Recompute: half the blocks repeat their forward, so half the extra FLOPs of full checkpointing.
        var budget = new ParameterBudget(plan);
        var none = TrainingFlops.PerToken(Llama3(new MemorySaversChoice()), budget, 8192);
        var full = TrainingFlops.PerToken(Llama3(new MemorySaversChoice(), checkpointing: true), budget, 8192);
        var half = TrainingFlops.PerToken(plan, budget, 8192);
        Assert.Equal((full - none) / 2, half - none, 1e-6 * none);
    }

    [Fact]
    public void Optimizer_in_backward_keeps_only_the_largest_gradient()
    {
        // Pure bf16 full fine-tuning (torchtune): the largest trained tensor is the 128256 x 4096 embedding (the head is
        // as large), 2 B each: 1,050,673,152 B instead of 8.03 G parameters x 2 B.
        var plan = Llama3(new MemorySaversChoice { OptimizerInBackward = true }) with { Model = TestPlans.Catalog("llama-3-8b").Model with { Regime = PrecisionRegime.Pure } };
        var states = new ModelStateMemory(plan, new ParameterBudget(plan));
        Assert.Equal(128256.0 * 4096 * 2, states.GradientBytes);
    }

    [Fact]
    public void Tensor_parallelism_halves_the_states_and_the_inner_activations_but_not_the_residual_stream()
    {
        var one = Llama3(new MemorySaversChoice(), gpus: 2);
        var two = Llama3(new MemorySaversChoice { TensorParallelSize = 2 }, gpus: 2);
        var (statesOne, statesTwo) = (new ModelStateMemory(one, new ParameterBudget(one)), new ModelStateMemory(two, new ParameterBudget(two)));
        Assert.Equal(statesOne.WeightBytes / 2, statesTwo.WeightBytes, 1e-6);
        Assert.Equal(statesOne.OptimizerStateBytes / 2, statesTwo.OptimizerStateBytes, 1e-6);
        // Korthikanti §4.2.2 re-derived for this block: the two RMSNorms (2 x 6h), the attention input (2h) and the MLP
        // input (2h) stay whole, 16h; q/k/v 6h, the kernel output 2h + 4a, o_proj's input 2h and the MLP's 8f halve:
        // 16h + 5h + 2a + 4f = 143,424 B per token.
        Assert.Equal(143_424, new ActivationMemory(two, new ParameterBudget(two)).LayerBytesPerToken);
    }

    [Fact]
    public void Tensor_parallelism_is_not_applied_when_the_GPUs_do_not_form_a_group()
    {
        var alone = Llama3(new MemorySaversChoice { TensorParallelSize = 2 });
        Assert.Equal(1, ParallelDegrees.Tensor(alone));
        Assert.Equal(221_312, new ActivationMemory(alone, new ParameterBudget(alone)).LayerBytesPerToken);
    }

    [Fact]
    public void Context_parallelism_divides_tokens_per_GPU_but_keeps_the_attention_context()
    {
        var one = Llama3(new MemorySaversChoice(), gpus: 4);
        var four = Llama3(new MemorySaversChoice { ContextParallelSize = 4 }, gpus: 4);
        Assert.Equal(Logits(one) / 4, Logits(four));
        var (a1, a4) = (new ActivationMemory(one, new ParameterBudget(one)), new ActivationMemory(four, new ParameterBudget(four)));
        Assert.Equal(a1.Bytes / 4, a4.Bytes, 1e-6);
        // Each GPU does a quarter of the micro-batch's FLOPs at the full 8192-token context: compute time / 4, and the
        // step trains 4 GPUs / 4 = one sequence.
        var (r1, r4) = (Estimate.For(one).Runtime, Estimate.For(four).Runtime);
        Assert.Equal(r1.Terms.Single(t => t.Name == "compute").Seconds / 4, r4.Terms.Single(t => t.Name == "compute").Seconds, 1e-9);
        Assert.Equal(r1.TokensPerStep / 4, r4.TokensPerStep);
    }

    [Fact]
    public void Offload_copies_on_the_compute_stream_add_their_PCIe_time_and_streams_hide_it()
    {
        // 32 checkpoints x 67,108,864 B cross PCIe twice: 4,294,967,296 B / 25 GB/s = 0.1718 s per micro-batch.
        var sync = Llama3(new MemorySaversChoice { Offload = ActivationOffload.Synchronous }, checkpointing: true);
        var term = Estimate.For(sync).Runtime.Terms.Single(t => t.Name == "activation_offload");
        Assert.Equal(2 * 32 * 8192.0 * 8192 / 25e9, term.Seconds, 1e-9);
        // With the side stream the same copies hide behind about a second of compute.
        var streams = Llama3(new MemorySaversChoice { Offload = ActivationOffload.Streams }, checkpointing: true);
        Assert.DoesNotContain(Estimate.For(streams).Runtime.Terms, t => t.Name == "activation_offload");
    }

    [Fact]
    public void Tensor_parallel_all_reduces_send_four_block_outputs_per_block()
    {
        // t = 2, 32 blocks, no checkpointing: 128 all-reduces of 8192 x 4096 x 2 B, each sending 2 (t - 1) / t = 1 x its
        // size: 128 x 67,108,864 = 8,589,934,592 B per micro-batch.
        var plan = Llama3(new MemorySaversChoice { TensorParallelSize = 2 }, gpus: 2);
        Assert.Equal(8_589_934_592, SaverRuntime.TensorParallelBytes(plan, new ParameterBudget(plan)));
    }

    [Fact]
    public void Liger_RMSNorm_and_SwiGLU_save_less_of_each_block()
    {
        // LigerRMSNormFunction saves X (2h) and an fp32 rstd (4 B) per norm instead of the fp32 input and the normalised
        // value (4h + 2h); LigerSiLUMulFunction saves gate and up (2 x 2f) and not the SiLU output (2f): the block's
        // 26h + 8f + 4a = 221,312 B per token becomes 18h + 6f + 4a + 8 = 159,880 B.
        var plan = Llama3(new MemorySaversChoice { LigerRmsNorm = true, LigerGatedMlp = true });
        Assert.Equal(159_880, new ActivationMemory(plan, new ParameterBudget(plan)).LayerBytesPerToken);
    }
}
