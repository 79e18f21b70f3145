using LspFineTune.Core.Dialects;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Estimation;

namespace LspFineTune.Core.Tests.Advice;

public class PlanSearchTests
{
    [Fact]
    public void A_70B_full_fine_tune_on_8_A100s_needs_ZeRO3_and_checkpointing_and_keeps_full_fine_tuning()
    {
        var plan = TestPlans.Catalog("llama-2-70b", gpusPerNode: 8).WithZero(2).WithTraining(1, 4096, attention: AttentionKind.Flash);
        var current = Estimate.For(plan);
        Assert.False(current.Memory.Fits);
        var result = PlanSearch.FindFastestThatFits(current);
        Assert.NotNull(result.Best);
        var changes = result.Best.Changes.ToDictionary(c => c.Field, c => c.Value);
        Assert.Equal(3, changes[PlanField.ZeroStage]);
        Assert.Equal(true, changes[PlanField.GradientCheckpointing]);
        Assert.False(changes.ContainsKey(PlanField.Method));
        Assert.True(result.Best.Result.Memory.Fits);
    }

    [Fact]
    public void Long_context_eager_attention_is_fixed_by_FlashAttention_on_a_GPU_that_has_it()
    {
        var plan = TestPlans.Catalog("mistral-7b", "h100-sxm").WithLora(16).WithTraining(1, 32768, checkpointing: true, attention: AttentionKind.Eager);
        var result = PlanSearch.FindFastestThatFits(Estimate.For(plan));
        Assert.NotNull(result.Best);
        Assert.Contains(new PlanChange(PlanField.Attention, AttentionKind.Flash), result.Best.Changes);
    }

    [Fact]
    public void Says_so_when_nothing_fits()
    {
        // Checkpointed block inputs alone: 32 x 131072 tokens x 8 KiB = 34 GB, over a T4's 15.8 GB at any setting.
        var plan = TestPlans.Catalog("llama-2-7b", "t4").WithTraining(1, 131072, checkpointing: true);
        var result = PlanSearch.FindFastestThatFits(Estimate.For(plan));
        Assert.Null(result.Best);
        Assert.False(result.AlreadyFits);
        Assert.True(result.PlansTried > 10);
    }

    [Fact]
    public void Quick_fixes_are_estimated_and_the_fastest_that_fits_and_keeps_the_method_is_preferred()
    {
        var plan = TestPlans.Catalog("llama-2-7b").WithTraining(1, 2048);
        var fixes = QuickFixes.For(Estimate.For(plan));
        var preferred = Assert.Single(fixes, f => f.IsPreferred);
        Assert.True(preferred.Result.Memory.Fits);
        Assert.Contains("fits A100 80GB SXM4", preferred.Title);
        // Full to LoRA changes what is trained, not only the cost: it is offered, but a fix that keeps the method wins.
        static bool ChangesMethod(Fix f) => f.Changes.Any(c => c.Field is PlanField.Method or PlanField.Quantization);
        Assert.False(ChangesMethod(preferred));
        Assert.All(fixes.Where(f => f.Result.Memory.Fits && !ChangesMethod(f)), f => Assert.True(f.TimeRatio >= preferred.TimeRatio));
        Assert.Contains(fixes, f => ChangesMethod(f) && f.Result.Memory.Fits);
        var checkpointing = fixes.Single(f => f.Title.StartsWith("Enable gradient checkpointing", StringComparison.Ordinal));
        Assert.Contains("% time", checkpointing.Title);
    }
}
