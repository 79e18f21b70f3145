using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Server.Cli;

/// <summary>`lft check FILE...`: diagnostics for terminals (text), scripts (json) and code scanning (SARIF 2.1.0).</summary>
public static class CheckCommand
{
    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Files.Count == 0)
            throw new UsageException("needs at least one config FILE");
        var format = args.Has("--json") ? "json" : args.Option("--format") ?? "text";
        if (format is not ("text" or "json" or "sarif"))
            throw new UsageException($"unknown --format `{format}` (text, json or sarif)");

        var options = AnalysisArguments.From(args);
        var results = new List<(string File, ConfigAnalysis Analysis)>();
        foreach (var file in args.Files)
        {
            var analysis = ConfigFileLoader.Load(file, options, stderr, "check");
            if (analysis is null)
                return CommandLine.CannotRun;
            results.Add((file, analysis));
        }

        switch (format)
        {
            case "json":
                JsonOutput.Write(stdout, new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["file"] = r.File,
                    ["dialect"] = r.Analysis.Dialect?.Id,
                    ["dialect_reason"] = r.Analysis.Match?.Reason,
                    ["skipped"] = !r.Analysis.IsClaimed,
                    ["files"] = JsonOutput.Files(r.File, r.Analysis),
                    ["diagnostics"] = JsonOutput.Diagnostics(r.Analysis.Diagnostics),
                }).ToArray()));
                break;
            case "sarif":
                JsonOutput.Write(stdout, Sarif.Log(results));
                break;
            default:
                foreach (var (file, analysis) in results)
                {
                    // A file no dialect claims is not a training config: say so, and never report on it.
                    if (!analysis.IsClaimed)
                        stdout.WriteLine($"{file}: not a fine-tuning config (skipped)");
                    foreach (var diagnostic in analysis.Diagnostics)
                        stdout.WriteLine(DiagnosticText.Format(DiagnosticText.FileOf(file, diagnostic), diagnostic));
                }
                var skipped = results.Count(r => !r.Analysis.IsClaimed);
                var errors = results.Sum(r => r.Analysis.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error));
                var warnings = results.Sum(r => r.Analysis.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning));
                stderr.WriteLine($"{results.Count - skipped} file(s) checked{(skipped > 0 ? $", {skipped} skipped" : "")}: {errors} error(s), {warnings} warning(s)");
                break;
        }
        return results.Any(r => r.Analysis.HasErrors) ? CommandLine.ConfigHasErrors : CommandLine.Clean;
    }
}
