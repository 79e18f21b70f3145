using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Server.Presentation;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft plan FILE [--json]`: the fastest plan that fits, as the list of edits that reach it.
/// Exit 0 when the config fits or a plan fits, 1 when nothing fits or the config has errors.
/// </summary>
public static class PlanCommand
{
    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        var file = args.SingleFile();
        var analysis = ConfigFileLoader.Load(file, AnalysisArguments.From(args), stderr, "plan");
        if (analysis is null)
            return CommandLine.CannotRun;
        if (!analysis.IsClaimed)
        {
            stderr.WriteLine(AnalysisArguments.NotAConfig("plan", file));
            return CommandLine.CannotRun;
        }
        if (analysis.Estimate is not { } estimate)
        {
            if (args.Has("--json"))
                JsonOutput.Write(stdout, new JsonObject { ["file"] = file, ["plan"] = null, ["diagnostics"] = JsonOutput.Diagnostics(analysis.Diagnostics) });
            else
                foreach (var diagnostic in analysis.Diagnostics)
                    stdout.WriteLine(DiagnosticText.Format(DiagnosticText.FileOf(file, diagnostic), diagnostic));
            return CommandLine.ConfigHasErrors;
        }

        var result = analysis.FindFastestPlan()!;
        var edits = result.Best is null ? [] : analysis.Write(result.Best.Changes);
        if (args.Has("--json"))
            JsonOutput.Write(stdout, Json(file, analysis, estimate, result, edits));
        else
            WriteText(stdout, file, analysis, estimate, result, edits);
        return estimate.Memory.Fits || result.Best is not null ? CommandLine.Clean : CommandLine.ConfigHasErrors;
    }

    private static void WriteText(TextWriter output, string file, ConfigAnalysis analysis, Estimate current, PlanSearchResult result, IReadOnlyList<FileEdit> edits)
    {
        var memory = current.Memory;
        output.WriteLine($"{file}: now {ByteSizes.Format(memory.PeakBytes)} of {ByteSizes.Format(memory.UsableBytes)} per GPU ({(memory.Fits ? "fits" : "does not fit")}), {DurationText.Format(current.Runtime.StepSeconds)} per step");
        if (result.Best is null)
        {
            output.WriteLine(memory.Fits
                ? $"  already the fastest plan that fits ({result.PlansTried} plans tried)"
                : $"  nothing fits on {current.Plan.Hardware.TotalGpus} x {current.Plan.Hardware.Gpu.Name} ({result.PlansTried} plans tried over ZeRO stage, offload, checkpointing, attention, micro-batch, LoRA/QLoRA): use more or larger GPUs, a shorter sequence_length or a smaller model");
            return;
        }
        var best = result.Best;
        output.WriteLine($"  {(memory.Fits ? "faster plan that fits" : "fastest plan that fits")} ({result.PlansTried} plans tried): {ByteSizes.Format(best.Result.Memory.PeakBytes)} per GPU, {DurationText.Format(best.Result.Runtime.StepSeconds)} per step ({FixTitles.TimeChange(best.TimeRatio)})");
        foreach (var change in best.Changes)
            output.WriteLine($"    set {analysis.Dialect!.Vocabulary.Setting(change)}");
        output.WriteLine("  edits:");
        foreach (var fileEdit in edits)
        {
            var path = fileEdit.FilePath is { } companion ? Path.GetRelativePath(Directory.GetCurrentDirectory(), companion) : file;
            foreach (var edit in fileEdit.Edits)
            {
                var action = fileEdit.CreatesFile ? "create with" : edit.Range.Start == edit.Range.End ? "insert" : "replace with";
                output.WriteLine($"    {path}:{edit.Range.Start.Line + 1}:{edit.Range.Start.Character + 1}: {action} {Escape(edit.NewText)}");
            }
        }
    }

    private static JsonObject Json(string file, ConfigAnalysis analysis, Estimate current, PlanSearchResult result, IReadOnlyList<FileEdit> edits) => new()
    {
        ["file"] = file,
        ["fits_now"] = current.Memory.Fits,
        ["peak_bytes_per_gpu"] = current.Memory.PeakBytes,
        ["step_seconds"] = current.Runtime.StepSeconds,
        ["plans_tried"] = result.PlansTried,
        ["plan"] = result.Best is not { } best ? null : new JsonObject
        {
            ["changes"] = new JsonArray(best.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["path"] = analysis.Dialect!.Vocabulary.Key(c.Field),
                ["value"] = Value(c.Value is Enum ? analysis.Dialect.Vocabulary.Value(c) : c.Value),
            }).ToArray()),
            ["edits"] = new JsonArray(edits.SelectMany(f => f.Edits.Select(e => (JsonNode)JsonOutput.Edit(e, f.FilePath is { } companion ? Path.GetRelativePath(Directory.GetCurrentDirectory(), companion) : file, f.CreatesFile))).ToArray()),
            ["peak_bytes_per_gpu"] = best.Result.Memory.PeakBytes,
            ["fits"] = best.Result.Memory.Fits,
            ["step_seconds"] = best.Result.Runtime.StepSeconds,
            ["time_ratio"] = best.TimeRatio,
        },
    };

    /// <summary>A change's value as a typed JSON value (an untyped object cannot be serialised without reflection metadata).</summary>
    private static JsonNode Value(object value) => value switch
    {
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Escape(string text) => "\"" + text.Replace("\n", "\\n") + "\"";
}
