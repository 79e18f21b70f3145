using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// The tensor- and context-parallel degrees the estimate applies: the plan's, when the GPUs form whole groups of
/// tp x cp (every framework builds a dp x cp x tp device mesh and refuses other counts); otherwise 1, and the binder
/// says why.
/// </summary>
public static class ParallelDegrees
{
    public static int Tensor(TrainingPlan plan) => Fits(plan) ? Math.Max(1, plan.Savers.TensorParallelSize) : 1;

    public static int Context(TrainingPlan plan) => Fits(plan) ? Math.Max(1, plan.Savers.ContextParallelSize) : 1;

    /// <summary>GPUs that share one micro-batch: tensor parallel x context parallel.</summary>
    public static int ModelParallel(TrainingPlan plan) => Tensor(plan) * Context(plan);

    /// <summary>Whether <paramref name="gpus"/> GPUs form whole tensor x context parallel groups.</summary>
    public static bool Fits(int tensorParallel, int contextParallel, int gpus)
    {
        var group = (long)Math.Max(1, tensorParallel) * Math.Max(1, contextParallel);
        return group <= gpus && gpus % group == 0;
    }

    private static bool Fits(TrainingPlan plan) => Fits(plan.Savers.TensorParallelSize, plan.Savers.ContextParallelSize, plan.Hardware.TotalGpus);
}
