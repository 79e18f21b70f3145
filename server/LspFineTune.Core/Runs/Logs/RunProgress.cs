namespace LspFineTune.Core.Runs.Logs;

/// <summary>One optimizer step reached, with what the logs said so far (the bundled trainer's <c>step</c> event shape).</summary>
public sealed record ProgressStep(long Step, long? TotalSteps)
{
    public double? Loss { get; init; }

    public double? LearningRate { get; init; }

    public double? Epoch { get; init; }

    public double? TokensPerSecondPerGpu { get; init; }

    public double? TokensPerSecond { get; init; }

    public double? StepsPerSecond { get; init; }

    public double? EtaSeconds { get; init; }

    /// <summary>The highest peak reported so far (reserved where the framework says it, else allocated).</summary>
    public long? PeakBytes { get; init; }
}

/// <summary>What a framework run reported about itself by its end.</summary>
public sealed record RunMeasurement
{
    public long? Steps { get; init; }

    public long? TotalSteps { get; init; }

    public double? FinalLoss { get; init; }

    public double? EvalLoss { get; init; }

    public long? PeakAllocatedBytes { get; init; }

    public long? PeakReservedBytes { get; init; }

    public string? MemorySource { get; init; }

    public double? TokensPerSecondPerGpu { get; init; }

    public double? TokensPerSecond { get; init; }

    public double? StepsPerSecond { get; init; }

    public double? SamplesPerSecond { get; init; }

    public double? TrainRuntimeSeconds { get; init; }

    /// <summary>A file the framework wrote its metrics to (torchtune's DiskLogger), to read at the end.</summary>
    public string? MetricsFile { get; init; }
}

/// <summary>
/// Reads a framework's output as it streams: each segment (a line, or one redraw of a tqdm bar between carriage
/// returns) goes through the parsers of the framework's <see cref="LogFormats"/>; a step is reported when the training
/// bar or a step line moves forward. The Trainer's training bar is the undescribed one counted in steps whose total is
/// the run's (the estimate's step count when it matches one), else the longest seen: evaluation bars are shorter,
/// dataset bars count other units, and checkpoint loading has a description. Peaks are the maximum of every report (the frameworks reset the CUDA peak after each one).
/// </summary>
public sealed class RunProgress(LogFormats formats, long? expectedSteps = null)
{
    private long _step;
    private long? _total;
    private long? _trainingBarTotal;
    private double? _loss;
    private double? _learningRate;
    private double? _epoch;
    private double? _tokensPerSecond;
    private double? _tokensPerSecondPerGpu;
    private double? _stepsPerSecond;
    private double? _eta;
    private RunMeasurement _measured = new();

    public RunMeasurement Measured => _measured with
    {
        Steps = _step > 0 ? _step : null,
        TotalSteps = _total,
        FinalLoss = _loss,
        // The Trainer's own mean over the run (train_steps_per_second) when it said it, else the bar's last rate.
        StepsPerSecond = _measured.StepsPerSecond ?? _stepsPerSecond,
    };

    /// <summary>Feeds one segment; returns the step reached when it moved forward, else null.</summary>
    public ProgressStep? Feed(string segment)
    {
        if (segment.Length == 0)
            return null;
        var before = _step;
        if (TqdmLine.Read(segment) is { } bar)
            ReadBar(bar);
        foreach (var reading in Readings(segment))
            Apply(reading);
        return _step > before ? Current() : null;
    }

    /// <summary>Lines of a metrics file the framework wrote (read at the end): peaks and the last figures, no steps reported.</summary>
    public void FeedFile(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            foreach (var reading in Readings(line))
                Apply(reading);
            if (LlamaFactoryTrainerLog.Read(line) is { } logged)
                Apply(logged);
        }
    }

    private IEnumerable<LogReading> Readings(string segment)
    {
        if (formats.HasFlag(LogFormats.HuggingFaceTrainer) && TrainerLogLine.Read(segment) is { } trainer)
            yield return trainer;
        if (formats.HasFlag(LogFormats.Torchtune) && TorchtuneLogLine.Read(segment) is { } torchtune)
            yield return torchtune;
        if (formats.HasFlag(LogFormats.DeepSpeed) && DeepSpeedLogLine.Read(segment) is { } deepSpeed)
            yield return deepSpeed;
    }

    private void ReadBar(TqdmBar bar)
    {
        if (formats.HasFlag(LogFormats.Torchtune) && TorchtuneLogLine.ReadBarDescription(bar.Description) is { } described)
        {
            Apply(described);
            _stepsPerSecond = bar.PerSecond ?? _stepsPerSecond;
            _eta = bar.RemainingSeconds ?? _eta;
            return;
        }
        // The Trainer's bar has no description (ProgressCallback: tqdm(total=state.max_steps, dynamic_ncols=True)); a
        // described one counts something else ("Loading checkpoint shards").
        if (!formats.HasFlag(LogFormats.HuggingFaceTrainer) || bar.Description.Length > 0 || bar.Total is not { } total || !IsTrainingBar(total))
            return;
        _trainingBarTotal = total;
        _total = total;
        _stepsPerSecond = bar.PerSecond ?? _stepsPerSecond;
        _eta = bar.RemainingSeconds ?? _eta;
        if (bar.Count > _step)
            _step = bar.Count;
    }

    private bool IsTrainingBar(long total)
    {
        if (_trainingBarTotal == total)
            return true;
        if (expectedSteps is { } expected)
            return total == expected || (_trainingBarTotal != expected && total > (_trainingBarTotal ?? 0));
        return total > (_trainingBarTotal ?? 0);
    }

    private void Apply(LogReading reading)
    {
        if (reading.Step is { } step && step > _step)
            _step = step;
        _total = reading.TotalSteps ?? _total;
        _loss = reading.Loss ?? _loss;
        _learningRate = reading.LearningRate ?? _learningRate;
        _epoch = reading.Epoch ?? _epoch;
        _tokensPerSecond = reading.TokensPerSecond ?? _tokensPerSecond;
        _tokensPerSecondPerGpu = reading.TokensPerSecondPerGpu ?? _tokensPerSecondPerGpu;
        _measured = _measured with
        {
            PeakAllocatedBytes = Max(_measured.PeakAllocatedBytes, reading.PeakAllocatedBytes),
            PeakReservedBytes = Max(_measured.PeakReservedBytes, reading.PeakReservedBytes),
            MemorySource = _measured.MemorySource ?? reading.MemorySource,
            EvalLoss = reading.EvalLoss ?? _measured.EvalLoss,
            TokensPerSecond = reading.TokensPerSecond ?? _measured.TokensPerSecond,
            TokensPerSecondPerGpu = reading.TokensPerSecondPerGpu ?? _measured.TokensPerSecondPerGpu,
            StepsPerSecond = reading.TrainRuntimeSeconds is not null ? reading.StepsPerSecond : _measured.StepsPerSecond,
            SamplesPerSecond = reading.SamplesPerSecond ?? _measured.SamplesPerSecond,
            TrainRuntimeSeconds = reading.TrainRuntimeSeconds ?? _measured.TrainRuntimeSeconds,
            MetricsFile = reading.MetricsFile ?? _measured.MetricsFile,
        };
    }

    private ProgressStep Current() => new(_step, _total)
    {
        Loss = _loss,
        LearningRate = _learningRate,
        Epoch = _epoch,
        TokensPerSecond = _tokensPerSecond,
        TokensPerSecondPerGpu = _tokensPerSecondPerGpu,
        StepsPerSecond = _stepsPerSecond,
        EtaSeconds = _eta,
        PeakBytes = _measured.PeakReservedBytes ?? _measured.PeakAllocatedBytes,
    };

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
