using LspFineTune.Core.Planning;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// The learning rate of each optimizer step, as Hugging Face's get_*_schedule_with_warmup computes it: linear warmup
/// from 0 over warmup_steps, then constant, linear decay to 0, or half a cosine to 0 at the last step.
/// A pure function of the step, so a resumed run needs no scheduler state.
/// </summary>
public sealed record LearningRateSchedule(double PeakRate, LrScheduler Kind, int WarmupSteps, long TotalSteps)
{
    public double At(long step)
    {
        if (step < WarmupSteps)
            return PeakRate * step / Math.Max(1, WarmupSteps);
        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            LrScheduler.Constant => PeakRate,
            LrScheduler.Linear => PeakRate * Math.Max(0, 1 - progress),
            _ => PeakRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))),
        };
    }
}
