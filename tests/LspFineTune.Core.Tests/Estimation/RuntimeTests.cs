using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

public class RuntimeTests
{
    private static double MatmulParameters(TrainingPlan plan)
    {
        var structure = plan.Model.Structure;
        return structure.Layers * (double)structure.LayerLinears.Sum(l => l.ActiveParameters) + structure.HeadMatmulParameters;
    }

    private static double FlopsPerToken(TrainingPlan plan, double tokens) => TrainingFlops.PerToken(plan, new ParameterBudget(plan), tokens);

    [Fact]
    public void Full_fine_tuning_costs_6N_FLOPs_per_token_plus_attention()
    {
        // Kaplan et al. 2020 / EleutherAI Transformer Math: C = 6PD; PaLM appendix B: + 6 x 2 s_ctx a d L for causal attention.
        var plan = TestPlans.Catalog("llama-2-7b");
        var n = MatmulParameters(plan);
        var attention = 3 * 4.0 * (2048 / 2.0) * 32 * 128 * 32;
        Assert.Equal(6 * n + attention, FlopsPerToken(plan, 2048), 1e6);
    }

    [Fact]
    public void Checkpointing_adds_one_block_forward_toward_8N()
    {
        var plan = TestPlans.Catalog("llama-2-7b");
        var with = FlopsPerToken(plan.WithTraining(1, 16, checkpointing: true), 16);
        var without = FlopsPerToken(plan.WithTraining(1, 16), 16);
        var n = MatmulParameters(plan);
        var attention = 4.0 * (16 / 2.0) * 32 * 128 * 32;
        // Korthikanti §5 / EleutherAI: 8N with full recompute (the head is not recomputed: 2 x head less), and attention 4x.
        Assert.Equal(8 * n - 2 * plan.Model.Structure.HeadMatmulParameters + 4 * attention, with, 1);
        Assert.True(with / without is > 1.3 and < 1.34);
    }

    [Fact]
    public void LoRA_skips_frozen_weight_gradients_4N_and_zeroth_order_runs_two_forwards_4N()
    {
        var plan = TestPlans.Catalog("llama-2-7b");
        var n = MatmulParameters(plan);
        var attention = 4.0 * (16 / 2.0) * 32 * 128 * 32;
        var lora = FlopsPerToken(plan.WithLora(8, "q_proj", "v_proj").WithTraining(1, 16), 16);
        Assert.Equal(4 * n + 6 * 4_194_304 + 3 * attention, lora, 1);
        var zeroth = FlopsPerToken(plan.WithTraining(1, 16) with { Method = new MethodChoice { Type = FineTuneMethod.ZerothOrder } }, 16);
        Assert.Equal(4 * n + 2 * attention, zeroth, 1);
    }

    [Fact]
    public void Training_time_follows_6PD_over_throughput_times_the_utilisation_prior()
    {
        var plan = TestPlans.Catalog("llama-2-7b").WithTraining(4, 2048) with
        {
            Data = new DataChoice { NumExamples = 1000, MeanTokensPerExample = 2048 },
            Training = TestPlans.Catalog("llama-2-7b").Training with { MicroBatchSize = 4, SequenceLength = 2048, GradientAccumulationSteps = 2 },
        };
        var estimate = Estimate.For(plan);
        Assert.Equal(125, estimate.Runtime.StepsPerEpoch);
        var compute = estimate.Runtime.Terms.Single(t => t.Name == "compute").Seconds;
        var tokensPerStep = 4 * 2048 * 2;
        Assert.Equal(tokensPerStep * FlopsPerToken(plan, 2048) / (312e12 * RuntimeModel.AmpereUtilisation), compute, 1e-9);
        Assert.Equal(estimate.Runtime.StepSeconds * 125, estimate.Runtime.TotalSeconds!.Value, 1e-6);
    }

    [Fact]
    public void ZeRO3_communicates_one_and_a_half_times_the_data_parallel_volume()
    {
        // ZeRO paper §7: stages 1 and 2 move 2 Psi per step like all-reduce; stage 3 moves 3 Psi (1.5x).
        var plan = TestPlans.Catalog("llama-2-13b", gpusPerNode: 8);
        double Seconds(int stage) => RuntimeModel.CommunicationSeconds(plan.WithZero(stage), new ParameterBudget(plan.WithZero(stage)));
        Assert.Equal(1.0, Seconds(1) / Seconds(0), 3);
        Assert.Equal(1.5, Seconds(3) / Seconds(0), 3);
    }

    [Fact]
    public void Communication_hidden_behind_compute_costs_no_time_and_only_its_excess_shows()
    {
        // 13B full fine-tune, ZeRO-3, 8 x A100 on NVLink: 3 x 26 GB x 7/8 per micro-batch at 225 GB/s is 0.3 s, well under
        // the ~8 s of compute of 8 x 2048 tokens, so prefetching hides it; over 2 nodes at 25 GB/s per GPU it is ~2.7 s
        // per micro-batch and still hidden; with one token-light micro-batch it is not.
        var plan = TestPlans.Catalog("llama-2-13b", gpusPerNode: 8).WithZero(3).WithTraining(8, 2048);
        Assert.DoesNotContain(Estimate.For(plan).Runtime.Terms, t => t.Name == "communication");
        var light = TestPlans.Catalog("llama-2-13b", gpusPerNode: 8, nodes: 2).WithZero(3).WithTraining(1, 128);
        var estimate = Estimate.For(light);
        var exposed = estimate.Runtime.Terms.Single(t => t.Name == "communication").Seconds;
        var compute = estimate.Runtime.Terms.Single(t => t.Name == "compute").Seconds;
        Assert.Equal(RuntimeModel.CommunicationSeconds(light, estimate.Parameters) - compute, exposed, 6);
    }

    [Fact]
    public void A_short_batch_of_a_small_model_is_bound_by_dispatch_or_weight_reads_not_by_matmuls()
    {
        // Llama-3.2-1B, LoRA, one 128-token sequence on an H100: compute 6 x 1.24e9 x 128 / (989 TF x 0.4) = 2.4 ms,
        // while 16 blocks x (46 + 5 x 2 adapted) operators x 3 passes = 2,688 operators x 10 µs = 27 ms of CPU dispatch.
        var plan = TestPlans.Catalog("llama-3.2-1b", gpu: "h100-sxm").WithLora(16, "q_proj", "v_proj").WithTraining(1, 128);
        var runtime = Estimate.For(plan).Runtime;
        var dispatch = runtime.Terms.Single(t => t.Name == "dispatch_overhead").Seconds + runtime.Terms.Single(t => t.Name == "compute").Seconds;
        Assert.Equal(16 * (46 + 5 * 2) * 3 * 10e-6, dispatch, 6);
        // At 8 x 4096 tokens the matmuls dominate and no excess term appears.
        Assert.DoesNotContain(Estimate.For(plan.WithTraining(8, 4096)).Runtime.Terms, t => t.Name is "dispatch_overhead" or "memory_bound");
    }

    [Fact]
    public void Offloading_the_optimizer_to_CPU_costs_time()
    {
        var plan = TestPlans.Catalog("llama-2-7b", gpusPerNode: 2).WithZero(2);
        Assert.True(Estimate.For(plan.WithZero(2, OffloadTarget.Cpu)).Runtime.StepSeconds > Estimate.For(plan).Runtime.StepSeconds);
    }
}

/// <summary>The utilisation prior by GPU generation (llm-foundry's benchmark tables).</summary>
public class UtilisationPriorTests
{
    [Theory]
    [InlineData("a100-80gb", 0.55)]
    [InlineData("h100-sxm", 0.42)]
    [InlineData("v100-16gb", 0.40)]
    public void Each_generation_gets_the_utilisation_published_for_it(string gpu, double expected) =>
        Assert.Equal(expected, RuntimeModel.UtilisationPrior(Core.Catalogs.GpuCatalog.Default.Find(gpu)!));

    [Fact]
    public void An_H100_is_faster_than_an_A100_by_less_than_its_peak_ratio()
    {
        // 989 / 312 = 3.17x the peak, x 0.42 / 0.55: 2.42x the matmul throughput for a compute-bound step.
        var plan = TestPlans.Catalog("llama-3.1-8b").WithTraining(4, 4096);
        var a100 = Estimate.For(plan).Runtime.Terms.Single(t => t.Name == "compute").Seconds;
        var h100 = Estimate.For(TestPlans.Catalog("llama-3.1-8b", gpu: "h100-sxm").WithTraining(4, 4096)).Runtime.Terms.Single(t => t.Name == "compute").Seconds;
        Assert.Equal(989.0 / 312 * 0.42 / 0.55, a100 / h100, 2);
    }
}
