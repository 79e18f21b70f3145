namespace LspFineTune.Core.Estimation;

/// <summary>One named part of the time of an optimizer step, in seconds.</summary>
public sealed record RuntimeTerm(string Name, double Seconds, string Formula);

/// <summary>Time per optimizer step and for the whole run.</summary>
public sealed record RuntimeEstimate
{
    public required IReadOnlyList<RuntimeTerm> Terms { get; init; }

    /// <summary>Tokens all GPUs process in one optimizer step.</summary>
    public required double TokensPerStep { get; init; }

    public required double FlopsPerToken { get; init; }

    /// <summary>The dense throughput assumed per GPU: peak x utilisation prior, FLOP/s.</summary>
    public required double AssumedFlopsPerSecond { get; init; }

    public required double UtilisationPrior { get; init; }

    /// <summary>Optimizer steps of the run; null when the data size is unknown.</summary>
    public required long? TotalSteps { get; init; }

    public required long? StepsPerEpoch { get; init; }

    public double StepSeconds => Terms.Sum(t => t.Seconds);

    public double TokensPerSecond => StepSeconds > 0 ? TokensPerStep / StepSeconds : 0;

    public double? TotalSeconds => TotalSteps is { } steps ? steps * StepSeconds : null;

    public double? EpochSeconds => StepsPerEpoch is { } steps ? steps * StepSeconds : null;
}
