using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

public sealed class ExpertParallelTests
{
    private static ModelStateMemory States(TrainingPlan plan) => new(plan, new ParameterBudget(plan));

    private static TrainingPlan Mixtral(int stage, int expertParallel) =>
        TestPlans.Catalog("mixtral-8x7b", "h100-80gb", gpusPerNode: 8).WithZero(stage) is var plan
            ? plan with { DeepSpeed = plan.DeepSpeed with { ExpertParallelSize = expertParallel } }
            : throw new InvalidOperationException();

    [Fact]
    public void Splitting_Mixtrals_experts_over_eight_GPUs_keeps_an_eighth_of_the_expert_weights_on_each()
    {
        // Mixtral-8x7B: 32 blocks x 8 experts x 3 x 4096 x 14336 = 45,097,156,608 of its 46,702,792,704 parameters
        // are routed experts (hand-derived from config.json). With 8-way expert parallelism and no ZeRO, each GPU keeps
        // the 1,605,636,096 others and 1/8 of the experts, in bf16.
        var budget = new ParameterBudget(Mixtral(0, 8));
        Assert.Equal(45_097_156_608L, budget.ExpertParameters);
        var expected = 2.0 * (46_702_792_704L - 45_097_156_608L + 45_097_156_608L / 8.0);
        Assert.Equal(expected, States(Mixtral(0, 8)).WeightBytes, 0);
        Assert.True(States(Mixtral(0, 1)).WeightBytes > 7 * States(Mixtral(0, 8)).WeightBytes / 2);
    }

    [Fact]
    public void Under_ZeRO_3_expert_parallelism_does_not_shrink_states_further_because_ZeRO_already_shards_them_over_every_GPU()
    {
        Assert.Equal(States(Mixtral(3, 1)).WeightBytes, States(Mixtral(3, 8)).WeightBytes, 0);
        Assert.Equal(States(Mixtral(3, 1)).OptimizerStateBytes, States(Mixtral(3, 8)).OptimizerStateBytes, 0);
        // ZeRO-1 shards only the optimizer: gradients are still split by expert parallelism.
        Assert.True(States(Mixtral(1, 4)).GradientBytes < States(Mixtral(1, 1)).GradientBytes / 2);
    }
}
