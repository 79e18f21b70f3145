using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Bench;

// Times the bundled tiny model under each trainer option and compares the estimator's peak memory for `gpu: cpu`
// with the measured VmHWM of each run. Every variant runs in its own lft-train process, as the editor runs it.
// Usage: dotnet run --project bench/LspFineTune.Trainer.Bench -c Release -- [--steps N] [--record FILE.json] [--only TEXT] [--pytorch]
// --pytorch: lft-train against the PyTorch reference of the same model, side by side (PyTorchSideBySide).
var steps = 20;
string? record = null;
string? only = null;
var pytorch = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--steps" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 3:
            steps = n;
            i++;
            break;
        case "--record" when i + 1 < args.Length:
            record = Path.GetFullPath(args[++i]);
            break;
        case "--only" when i + 1 < args.Length:
            only = args[++i];
            break;
        case "--pytorch":
            pytorch = true;
            break;
        default:
            Console.Error.WriteLine($"bench: unknown argument `{args[i]}`. Usage: [--steps N>3] [--record FILE.json] [--only TEXT] [--pytorch]");
            return 2;
    }
}

var root = FindRoot();
var modelPath = Path.Combine(root, "examples", "models", "tiny");
var trainPath = Path.Combine(root, "examples", "data", "tiny-train.jsonl");
var trainer = Path.Combine(AppContext.BaseDirectory, "lft-train.dll");
if (pytorch)
    return PyTorchSideBySide.Run(root, trainer, steps, only);
var work = Directory.CreateTempSubdirectory("lft-bench").FullName;
var results = new JsonArray();
Console.WriteLine($"lft-train benchmark: tiny model ({modelPath}), {steps} steps per variant, first 3 steps excluded from timing, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| variant | step ms (median) | tokens/s | RSS before training | measured peak RSS (VmHWM) | estimated peak | estimate error |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
try
{
    foreach (var variant in BenchVariant.All(steps).Where(v => only is null || v.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
    {
        var config = Path.Combine(work, $"{results.Count:D2}.lft.yaml");
        File.WriteAllText(config, variant.ConfigText(modelPath, trainPath, Path.Combine(work, $"run{results.Count:D2}")));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { trainer, "train", config })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<JsonObject>();
        while (process.StandardOutput.ReadLine() is { } line)
            lines.Add((JsonObject)JsonNode.Parse(line)!);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"| {variant.Name} | failed: {stderr.Result.Trim().Split('\n')[^1]} | | | | | |");
            continue;
        }
        var stepEvents = lines.Where(l => l["event"]!.GetValue<string>() == "step").Skip(3).ToList();
        var stepMs = stepEvents.Select(e => e["step_ms"]!.GetValue<double>()).Order().ToList();
        var median = stepMs[stepMs.Count / 2];
        var tokensPerSecond = stepEvents.Sum(e => e["tokens"]!.GetValue<long>()) / (stepMs.Sum() / 1000);
        var end = lines.Single(l => l["event"]!.GetValue<string>() == "end");
        var measured = end["peak_rss_bytes"]!.GetValue<long>();
        var before = lines.Single(l => l["event"]!.GetValue<string>() == "start")["rss_bytes_before_training"]!.GetValue<long>();
        var estimated = end["estimated_peak_bytes"]?.GetValue<long>();
        var error = estimated is { } e2 ? (double)(e2 - measured) / measured : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {variant.Name} | {median:F1} | {tokensPerSecond:F0} | {before / 1048576.0:F0} MiB | {measured / 1048576.0:F0} MiB | {(estimated ?? 0) / 1048576.0:F0} MiB | {error * 100:+0;-0}% |"));
        results.Add(new JsonObject
        {
            ["variant"] = variant.Name,
            ["config"] = variant.ConfigText("../../../examples/models/tiny", "../../../examples/data/tiny-train.jsonl", "./runs/bench"),
            ["steps"] = steps,
            ["median_step_ms"] = Math.Round(median, 2),
            ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
            ["rss_bytes_before_training"] = before,
            ["measured_peak_rss_bytes"] = measured,
            ["estimated_peak_bytes"] = estimated,
            ["relative_error"] = double.IsFinite(error) ? Math.Round(error, 4) : null,
        });
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

if (record is not null)
{
    var document = new JsonObject
    {
        ["description"] = "Estimator peak memory for `hardware.gpu: cpu` vs the measured VmHWM of lft-train runs of the bundled tiny model (bench/LspFineTune.Trainer.Bench). relative_error = (estimated - measured) / measured.",
        ["measured_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
        ["results"] = results,
    };
    File.WriteAllText(record, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    Console.WriteLine();
    Console.WriteLine($"recorded {results.Count} comparisons in {record}");
}
return 0;

static string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "LspFineTune.sln")))
            return directory.FullName;
    }
    throw new InvalidOperationException("LspFineTune.sln not found above the benchmark");
}
