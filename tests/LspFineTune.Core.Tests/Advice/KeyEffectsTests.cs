using LspFineTune.Core.Dialects;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Estimation;

namespace LspFineTune.Core.Tests.Advice;

public class KeyEffectsTests
{
    [Fact]
    public void Enabling_checkpointing_saves_activations_and_costs_one_extra_forward_of_the_blocks()
    {
        var plan = TestPlans.Catalog("llama-2-7b").WithLora(16).WithTraining(4, 2048, checkpointing: false);
        var current = Estimate.For(plan);

        var effect = Assert.Single(KeyEffects.For(current, PlanField.GradientCheckpointing));

        Assert.Equal(true, effect.Change.Value);
        Assert.True(effect.PeakDelta < 0);
        Assert.Equal(MemoryTermNames.Activations, effect.TermDeltas[0].Term);
        Assert.True(effect.TermDeltas[0].Delta < 0);
        // Recomputing the block forward adds 2N of the 6N (full) or 4N + 6A (LoRA) FLOPs per token: +33% to +50%.
        Assert.InRange(effect.TimeRatio, 1.2, 1.55);
    }

    [Fact]
    public void Attention_alternatives_skip_flash_on_a_GPU_without_it()
    {
        var plan = TestPlans.Catalog("llama-2-7b", "v100-32gb").WithLora(16).WithTraining(1, 2048, attention: AttentionKind.Eager);
        var values = KeyEffects.For(Estimate.For(plan), PlanField.Attention).Select(e => e.Change.Value).ToList();
        Assert.Equal([AttentionKind.Sdpa], values);
    }

    [Fact]
    public void Zero_stages_are_compared_only_when_there_is_more_than_one_gpu()
    {
        var single = TestPlans.Catalog("llama-2-7b").WithLora(16);
        Assert.Empty(KeyEffects.For(Estimate.For(single), PlanField.ZeroStage));
        var eight = TestPlans.Catalog("llama-2-7b", gpusPerNode: 8);
        var stages = KeyEffects.For(Estimate.For(eight), PlanField.ZeroStage);
        Assert.Equal([1, 2, 3], stages.Select(e => e.Change.Value));
        // Each stage partitions more of the model states: the peak falls monotonically (ZeRO paper, Figure 1).
        Assert.True(stages[0].Result.Memory.PeakBytes > stages[1].Result.Memory.PeakBytes);
        Assert.True(stages[1].Result.Memory.PeakBytes > stages[2].Result.Memory.PeakBytes);
    }

    [Fact]
    public void Keys_that_do_not_change_the_estimate_have_no_effects()
    {
        var current = Estimate.For(TestPlans.Catalog("llama-2-7b"));
        Assert.Empty(KeyEffects.For(current, PlanField.OutputDir));
        Assert.Empty(KeyEffects.For(current, PlanField.LearningRate));
    }
}
