using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Export;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft export FILE --to native|axolotl|deepspeed|accelerate [-o OUT] [--force] [config options]`: the plan written in
/// another format (CONFIG.md). What the target cannot express is named on stderr; each file written is read back with
/// its own dialect, its findings printed (exit 1 on an error), and a trainer config's estimate compared with the
/// original's. An existing file is not replaced without --force, and the config itself never.
/// </summary>
public static class ExportCommand
{
    public static readonly string[] Options = ["--to", "-o", .. AnalysisArguments.Options];

    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        var file = args.SingleFile();
        if (args.Option("--to") is not { } to || ExportTargets.Parse(to) is not { } target)
            throw new UsageException($"needs --to native, axolotl, deepspeed or accelerate{(args.Option("--to") is { } given ? $", not `{given}`" : "")}");
        var options = AnalysisArguments.From(args);
        var analysis = ConfigFileLoader.Load(file, options, stderr, "export");
        if (analysis is null)
            return CommandLine.CannotRun;
        if (!analysis.IsClaimed)
        {
            stderr.WriteLine(AnalysisArguments.NotAConfig("export", file));
            return CommandLine.CannotRun;
        }
        var output = Path.GetFullPath(args.Option("-o") ?? ExportTargets.DefaultPath(file, target));
        var result = PlanExport.Export(analysis, target, output);
        if (result.Problem is { } problem)
        {
            stderr.WriteLine($"lft export: {file}: {problem}");
            return CommandLine.CannotRun;
        }
        foreach (var written in result.Files)
        {
            if (string.Equals(written.Path, Path.GetFullPath(file), StringComparison.Ordinal))
                throw new UsageException($"-o names the config itself ({file}); export to another file");
            if (File.Exists(written.Path) && !args.Has("--force"))
                throw new UsageException($"{Relative(written.Path)} exists; add --force to replace it, or name another file with -o");
        }
        foreach (var note in result.NotExpressed)
            stderr.WriteLine($"lft export: not expressed in {to}: {note}");
        // Companions first: the main file names them.
        foreach (var written in result.Files.Reverse())
        {
            Directory.CreateDirectory(Path.GetDirectoryName(written.Path)!);
            var temporary = written.Path + ".lft-tmp";
            File.WriteAllText(temporary, written.Text);
            File.Move(temporary, written.Path, overwrite: true);
            stdout.WriteLine(Relative(written.Path));
        }
        return ReadBack(analysis, result, target, options, stderr) ? CommandLine.Clean : CommandLine.ConfigHasErrors;
    }

    /// <summary>Analyses each written file as its target dialect; prints its errors and warnings; compares the main file's
    /// estimate with the original's when it is a trainer config. False when a file has an error.</summary>
    private static bool ReadBack(ConfigAnalysis original, ExportResult result, ExportTarget target, AnalysisOptions options, TextWriter stderr)
    {
        var clean = true;
        for (var i = 0; i < result.Files.Count; i++)
        {
            var written = result.Files[i];
            var dialect = i == 0 ? DialectOf(target) : "deepspeed";
            var readBack = ConfigAnalyzer.AnalyzeFile(written.Path, written.Text, options with { Dialect = dialect });
            foreach (var diagnostic in readBack.Diagnostics.Where(d => d.Severity <= DiagnosticSeverity.Warning))
            {
                stderr.WriteLine(DiagnosticText.Format(DiagnosticText.FileOf(Relative(written.Path), diagnostic), diagnostic));
                clean &= diagnostic.Severity != DiagnosticSeverity.Error;
            }
            if (i == 0 && readBack.Estimate is { } exported && original.Estimate is { } estimate && Differs(exported.Memory.PeakBytes, estimate.Memory.PeakBytes))
            {
                stderr.WriteLine($"lft export: the written config estimates {ByteSizes.Format(exported.Memory.PeakBytes)} per GPU, the original {ByteSizes.Format(estimate.Memory.PeakBytes)}: see what is not expressed above.");
            }
        }
        return clean;
    }

    private static string DialectOf(ExportTarget target) => target switch
    {
        ExportTarget.Native => "native",
        ExportTarget.Axolotl => "axolotl",
        ExportTarget.DeepSpeed => "deepspeed",
        _ => "accelerate",
    };

    /// <summary>More than rounding apart (0.5 %).</summary>
    private static bool Differs(long a, long b) => Math.Abs(a - b) > 0.005 * Math.Max(a, b);

    private static string Relative(string path) => Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
}
