using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>When gradients are alive at the peak: zero_grad(set_to_none=True) frees them after every step, so with one
/// micro-batch per step backward allocates them as it frees the activations.</summary>
public class GradientTimingTests
{
    private static TrainingPlan FullPure(int accumulation, int sequence = 4096) =>
        TestPlans.Catalog("llama-3.2-1b").WithTraining(4, sequence) is var plan
            ? plan with { Model = plan.Model with { Regime = PrecisionRegime.Pure }, Training = plan.Training with { GradientAccumulationSteps = accumulation } }
            : throw new InvalidOperationException();

    [Fact]
    public void One_micro_batch_per_step_has_no_gradients_at_the_start_of_backward()
    {
        var memory = Estimate.For(FullPure(1)).Memory;
        Assert.Equal(0, memory.Term(MemoryTermNames.Gradients));
        Assert.True(memory.Term(MemoryTermNames.Activations) > 0);
    }

    [Fact]
    public void Accumulation_keeps_the_previous_micro_batchs_gradients_through_the_next_forward()
    {
        var estimate = Estimate.For(FullPure(2));
        // Pure bf16: 2 B per parameter.
        Assert.Equal(2.0 * estimate.Parameters.TrainableParameters, estimate.Memory.Term(MemoryTermNames.Gradients), 0);
    }

    [Fact]
    public void DeepSpeed_keeps_its_gradient_buffers_allocated()
    {
        var plan = FullPure(1) with { DeepSpeed = new DeepSpeedChoice { Engine = ShardingEngine.DeepSpeed } };
        Assert.True(Estimate.For(plan).Memory.Term(MemoryTermNames.Gradients) > 0);
    }

    [Fact]
    public void When_the_gradients_outweigh_the_activations_the_peak_is_the_end_of_backward()
    {
        // 16 tokens: the activations and logits are far below the 2.5 GB of bf16 gradients of a 1.2B model.
        var memory = Estimate.For(FullPure(1, sequence: 4)).Memory;
        Assert.Equal(0, memory.Term(MemoryTermNames.Activations));
        Assert.Equal(0, memory.Term(MemoryTermNames.LogitsAndLoss));
        Assert.True(memory.Term(MemoryTermNames.Gradients) > 2_000_000_000);
    }
}
