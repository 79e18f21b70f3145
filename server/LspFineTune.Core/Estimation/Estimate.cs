using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>Memory and runtime of one plan.</summary>
public sealed record Estimate(TrainingPlan Plan, ParameterBudget Parameters, MemoryEstimate Memory, RuntimeEstimate Runtime)
{
    public static Estimate For(TrainingPlan plan)
    {
        var budget = new ParameterBudget(plan);
        return new Estimate(plan, budget, MemoryModel.Estimate(plan, budget), RuntimeModel.Estimate(plan, budget));
    }
}
