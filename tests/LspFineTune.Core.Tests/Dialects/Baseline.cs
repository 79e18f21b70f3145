using System.Globalization;
using System.Text;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// A file's golden baseline (Bicep's sample baselines): its dialect, every diagnostic, the bound plan with where each
/// value came from, and the estimate's summary, as text that reads well in a diff. Set LFT_UPDATE_BASELINES=1 to
/// rewrite the files after a deliberate change, then review the diff.
/// </summary>
internal static class Baseline
{
    public static string Describe(string fileName, ConfigAnalysis analysis)
    {
        var text = new StringBuilder();
        text.AppendLine($"# {fileName}");
        text.AppendLine(analysis.Match is { } match ? $"dialect: {match.Dialect.Id} ({match.Kind}: {match.Reason})" : "dialect: none (not a fine-tuning config)");
        text.AppendLine("diagnostics:");
        foreach (var d in analysis.Diagnostics)
        {
            var file = d.FilePath is null ? "" : Path.GetFileName(d.FilePath) + ":";
            text.AppendLine($"  {file}{d.Range.Start.Line + 1}:{d.Range.Start.Character + 1} {d.Severity.ToString().ToLowerInvariant()} {d.Code} {d.Message}");
        }
        if (analysis.Plan is { } plan)
        {
            text.AppendLine("plan:");
            text.AppendLine($"  model: {plan.Model.Id} ({plan.Model.Architecture.ModelType}), {plan.Model.Dtype.ToConfigName()}, {plan.Model.Quantization.ToConfigName()}{(plan.Model.Stored is { } stored ? $" (base stored {stored.Name})" : "")} {Source(analysis, PlanField.Model)}");
            text.AppendLine($"  hardware: {plan.Hardware.TotalGpus} x {plan.Hardware.Gpu.Id} {Source(analysis, PlanField.Gpu)}");
            var lora = plan.Method.Lora;
            var method = plan.Method.Type == FineTuneMethod.Lora
                ? $"lora r{lora.Rank} alpha {lora.Alpha.ToString(CultureInfo.InvariantCulture)} on {(lora.AllLinear ? "all-linear" : string.Join(",", lora.TargetModules))}"
                : plan.Method.Type.ToConfigName();
            text.AppendLine($"  method: {method} {Source(analysis, PlanField.Method)}");
            text.AppendLine($"  optimizer: {plan.Optimizer.Type.ToConfigName()} {Source(analysis, PlanField.Optimizer)}");
            var training = plan.Training;
            text.AppendLine($"  batch: {training.MicroBatchSize} x {training.GradientAccumulationSteps} x {training.SequenceLength} tokens, packing {Flag(training.Packing)} {Source(analysis, PlanField.MicroBatchSize)}");
            text.AppendLine($"  checkpointing: {Flag(training.GradientCheckpointing)}, attention {training.Attention.ToConfigName()} {Source(analysis, PlanField.Attention)}");
            text.AppendLine($"  zero: stage {plan.DeepSpeed.ZeroStage}, offload optimizer {plan.DeepSpeed.OffloadOptimizer.ToConfigName()}, params {plan.DeepSpeed.OffloadParams.ToConfigName()} {Source(analysis, PlanField.ZeroStage)}");
        }
        if (analysis.Estimate is { } estimate)
        {
            var memory = estimate.Memory;
            text.AppendLine($"estimate: peak {memory.PeakBytes / 1e9:0.0} GB of {memory.UsableBytes / 1e9:0.0} GB per GPU, {(memory.Fits ? "fits" : "does not fit")}, {estimate.Runtime.StepSeconds:0.###} s per step");
        }
        return text.ToString();
    }

    private static string Flag(bool on) => on ? "on" : "off";

    private static string Source(ConfigAnalysis analysis, PlanField field)
    {
        var source = analysis.Provenance.Of(field);
        var where = source.Property is { } property ? $" {property.Key.Value}@{property.Key.Range.Start.Line + 1}" : "";
        var file = source.FilePath is { } path ? $" in {Path.GetFileName(path)}" : source.Detail is { } detail ? $" ({detail})" : "";
        return $"[{source.OriginName}{where}{file}]";
    }

    /// <summary>Compares with the stored baseline, or rewrites it when LFT_UPDATE_BASELINES=1.</summary>
    public static void Verify(string dialect, string fileName, string actual)
    {
        var path = Path.Combine(TestRepository.Baselines(dialect), fileName + ".baseline.txt");
        if (Environment.GetEnvironmentVariable("LFT_UPDATE_BASELINES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no baseline {path}: run the tests with LFT_UPDATE_BASELINES=1 once and review it");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }
}
