using System.Diagnostics;
using LspFineTune.Core;
using LspFineTune.Core.Advice;

// Times the pipeline a keystroke triggers (parse + schema + bind + estimate + findings) and the plan search,
// per bundled example, and prints milliseconds per document. Not a test: machines vary several-fold run to run,
// so compare numbers from one run with each other, not with a fixed threshold.
// Usage: dotnet run -c Release --project bench/LspFineTune.Bench [-- ITERATIONS]
//        dotnet run -c Release --project bench/LspFineTune.Bench -- --scale [LARGEST]   growing documents, per key
if (args.Length > 0 && args[0] == "--scale")
{
    LspFineTune.Bench.ScaleBenchmark.Run(args.Length > 1 && int.TryParse(args[1], out var largest) ? largest : 1_000_000);
    return;
}
var iterations = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 200;
var root = FindRepositoryRoot();
// Native examples, each dialect's examples, and the real configs the LSP benchmark uses (one per dialect).
static IEnumerable<string> Configs(string folder) =>
    Directory.GetFiles(folder).Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).Order();
var files = Directory.GetFiles(Path.Combine(root, "examples"), "*.lft.*").Order()
    .Concat(new[] { "axolotl", "llamafactory", "trl", "torchtune", "accelerate" }.SelectMany(d => Configs(Path.Combine(root, "examples", d))))
    .Concat(Configs(Path.Combine(root, "bench", "lsp", "data")))
    .ToList();
var documents = files.Select(f => (Path: f, Text: File.ReadAllText(f))).ToList();

// Warm up the JIT and the catalogs so the first document does not carry start-up costs.
foreach (var (path, text) in documents)
{
    var warm = ConfigAnalyzer.AnalyzeFile(path, text);
    if (warm.Estimate is not null)
        warm.FindFastestPlan();
}

Console.WriteLine($"{iterations} iterations per document; median and 95th percentile in milliseconds");
Console.WriteLine($"{"document",-48} {"analyze p50",12} {"p95",8} {"plan p50",10} {"p95",8} {"plans",6}");
var allAnalyze = new List<double>();
var allPlan = new List<double>();
foreach (var (path, text) in documents)
{
    var analyze = new List<double>();
    var plan = new List<double>();
    var tried = 0;
    for (var i = 0; i < iterations; i++)
    {
        var start = Stopwatch.GetTimestamp();
        var analysis = ConfigAnalyzer.AnalyzeFile(path, text);
        analyze.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        if (analysis.Estimate is null)
            continue;
        start = Stopwatch.GetTimestamp();
        tried = analysis.FindFastestPlan()!.PlansTried;
        plan.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    allAnalyze.AddRange(analyze);
    allPlan.AddRange(plan);
    Console.WriteLine($"{Path.GetFileName(path),-48} {Percentile(analyze, 0.5),12:0.000} {Percentile(analyze, 0.95),8:0.000} {Percentile(plan, 0.5),10:0.000} {Percentile(plan, 0.95),8:0.000} {tried,6}");
}
Console.WriteLine($"{"all documents",-48} {Percentile(allAnalyze, 0.5),12:0.000} {Percentile(allAnalyze, 0.95),8:0.000} {Percentile(allPlan, 0.5),10:0.000} {Percentile(allPlan, 0.95),8:0.000}");
Console.WriteLine($"plan search goal: under 20 ms per document; p95 here {Percentile(allPlan, 0.95):0.0} ms ({(Percentile(allPlan, 0.95) < 20 ? "met" : "NOT met")})");

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
        return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
            return dir.FullName;
    }
    throw new InvalidOperationException("run from inside the repository");
}
