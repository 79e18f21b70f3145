using System.Globalization;
using LspFineTune.Core;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Server.Presentation;

namespace LspFineTune.Server.Cli;

/// <summary>`lft estimate` for a terminal: the setup, a bar per memory term against the GPU, runtime, verdict.</summary>
public static class EstimateText
{
    private const int BarWidth = 30;

    public static void Write(TextWriter output, string file, ConfigAnalysis analysis)
    {
        output.WriteLine(analysis.Dialect is { Id: not "native" } dialect ? $"{file} ({dialect.DisplayName})" : file);
        if (analysis.Estimate is not { } estimate)
        {
            output.WriteLine(analysis.Plan is null && !analysis.HasErrors && !analysis.Diagnostics.Any(d => d.Code == Core.Diagnostics.DiagnosticCodes.UnknownModel)
                ? $"  no estimate: a {analysis.Dialect?.DisplayName} file names no model; estimate the training config that names it (axolotl's `deepspeed:`)"
                : "  no estimate: the model or GPU could not be resolved (see the diagnostics)");
            WriteDiagnostics(output, file, analysis);
            return;
        }
        var plan = estimate.Plan;
        var memory = estimate.Memory;
        var parameters = estimate.Parameters;
        var trainedShare = parameters.TrainableParameters / (double)parameters.BaseParameters;
        output.WriteLine($"  model     {plan.Model.Id}: {EstimateMarkdown.Count(parameters.BaseParameters)} parameters, {EstimateMarkdown.Count(parameters.TrainableParameters)} trained ({trainedShare:P2}), {plan.Model.Dtype.ToConfigName()}{(plan.Model.Quantization != Quantization.None ? ", " + plan.Model.Quantization.ToConfigName() + " base" : plan.Model.Stored is { } stored ? ", base stored " + stored.Name : "")}");
        if (plan.Model.Origin is { } origin)
            output.WriteLine($"  from      {origin.Describe()}");
        output.WriteLine($"  hardware  {plan.Hardware.TotalGpus} x {plan.Hardware.Gpu.Name} ({ByteSizes.Format(memory.UsableBytes)} usable each), {Core.Dialects.HardwareResolver.Describe(analysis.Provenance)}");
        output.WriteLine($"  training  {Method(plan)}, {plan.Optimizer.Type.ToConfigName()}, ZeRO-{plan.DeepSpeed.ZeroStage}, micro-batch {plan.Training.MicroBatchSize} x {plan.Training.GradientAccumulationSteps} accumulation x {plan.Training.SequenceLength:N0} tokens, checkpointing {(plan.Training.GradientCheckpointing ? "on" : "off")}, {plan.Training.Attention.ToConfigName()}");
        output.WriteLine();
        var verdict = memory.Fits ? "fits" : "DOES NOT FIT";
        output.WriteLine($"  memory {EstimateMarkdown.Per(plan.Hardware.Gpu)}: {ByteSizes.Format(memory.PeakBytes)} of {ByteSizes.Format(memory.UsableBytes)} ({memory.Utilisation:P0}), {verdict}");
        var scale = Math.Max(memory.PeakBytes, memory.UsableBytes);
        foreach (var term in memory.Terms.Where(t => t.Bytes > 0))
        {
            var cells = (int)Math.Round(term.Bytes / (double)scale * BarWidth);
            output.WriteLine($"    {term.Name,-24} {ByteSizes.Format(term.Bytes),9}  {new string('#', Math.Max(cells, 1)),-BarWidth}  {term.Formula}");
        }
        if (!plan.Hardware.Gpu.IsCpu)
            output.WriteLine($"    as reported: {ByteSizes.Format(memory.AllocatedBytes)} allocated (torch max_memory_allocated), {ByteSizes.Format(memory.ReservedBytes)} reserved (max_memory_reserved), {ByteSizes.Format(memory.PeakBytes)} on the device (nvidia-smi)");
        if (memory.OffloadedBytesPerNode > 0)
            output.WriteLine($"    host ({memory.OffloadTarget.ToConfigName()}) per node: {ByteSizes.Format(memory.OffloadedBytesPerNode)}");
        output.WriteLine();
        var runtime = estimate.Runtime;
        var total = runtime.TotalSeconds is { } seconds ? $", {DurationText.Format(seconds)} for {runtime.TotalSteps:N0} steps" : ", total unknown (no data size)";
        output.WriteLine($"  runtime: {DurationText.Format(runtime.StepSeconds)} per step, {runtime.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture)} tokens/s{total}");
        foreach (var term in runtime.Terms.Where(t => t.Seconds >= 0.0005))
            output.WriteLine($"    {term.Name,-24} {DurationText.Format(term.Seconds),9}  {term.Formula}");
        output.WriteLine($"    (assumes {runtime.UtilisationPrior:P0} of peak FLOPS for the matmuls; communication overlaps backward, ZeRO-3's overlaps all compute)");
        WriteDiagnostics(output, file, analysis);
    }

    private static void WriteDiagnostics(TextWriter output, string file, ConfigAnalysis analysis)
    {
        if (analysis.Diagnostics.Count == 0)
            return;
        output.WriteLine();
        foreach (var diagnostic in analysis.Diagnostics)
            output.WriteLine("  " + DiagnosticText.Format(DiagnosticText.FileOf(file, diagnostic), diagnostic));
    }

    private static string Method(TrainingPlan plan) => plan.Method.Type switch
    {
        FineTuneMethod.Lora => $"LoRA r{plan.Method.Lora.Rank} on {(plan.Method.Lora.AllLinear ? "all linear layers" : string.Join(", ", plan.Method.Lora.TargetModules))}",
        FineTuneMethod.ZerothOrder => $"zeroth-order ({plan.Method.ZerothOrder.TrainableFraction:P1} of weights)",
        _ => "full fine-tuning",
    };
}
