namespace LspFineTune.Trainer.Training;

/// <summary>
/// The train loss as an exponential moving average with bias correction (Adam's and TensorBoard's debiasing): one
/// step's loss is one micro-batch's and jumps with its examples, so the progress line also shows the trend.
/// </summary>
public sealed class SmoothedLoss
{
    /// <summary>0.9: about the last ten steps weigh in.</summary>
    public const double Decay = 0.9;

    public const string Description = "exponential moving average, decay 0.9";

    private double _average;
    private int _count;

    public double Value => _count == 0 ? double.NaN : _average / (1 - Math.Pow(Decay, _count));

    public void Add(double loss)
    {
        if (!double.IsFinite(loss))
            return;
        _average = Decay * _average + (1 - Decay) * loss;
        _count++;
    }
}
