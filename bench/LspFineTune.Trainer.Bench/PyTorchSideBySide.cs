using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Bench;

/// <summary>
/// lft-train against the PyTorch reference of the same model and method (bench/pytorch/reference.py), run back to
/// back for each variant and thread count in one process, so a loaded machine slows both alike; prints the ratio of
/// median step times (below 1: lft-train is faster). Needs Debian's python3-torch with libopenblas0-openmp.
/// lft-train runs under tcmalloc when the machine has it (Native/MemoryAllocator in the trainer); PyTorch is timed as
/// installed (glibc's malloc) and, when tcmalloc is there, once more with it preloaded, so both comparisons show.
/// </summary>
internal static class PyTorchSideBySide
{
    private sealed record Variant(string Name, BenchVariant Config, string ReferenceArguments);

    private static IReadOnlyList<Variant> Variants(int steps)
    {
        string Training(string attention, bool checkpointing) =>
            $"micro_batch_size: 8\n  sequence_length: 128\n  max_steps: {steps}\n  attention: {attention}\n  gradient_checkpointing: {(checkpointing ? "true" : "false")}\n  packing: true\n  seed: 1";
        const string adamw = "type: adamw\n  learning_rate: 1.0e-3\n  lr_scheduler: constant";
        const string zo = "type: zo_sgd\n  learning_rate: 1.0e-4\n  lr_scheduler: constant";
        var list = new List<Variant>();
        foreach (var attention in new[] { "eager", "sdpa" })
        {
            foreach (var checkpointing in new[] { false, true })
            {
                var ckpt = checkpointing ? " ckpt" : "";
                var flag = $"--attention {attention}{(checkpointing ? " --checkpointing" : "")}";
                list.Add(new($"lora-qv {attention}{ckpt}", new($"lora-qv {attention}{ckpt}", BenchVariant.LoraQv, adamw, Training(attention, checkpointing)), $"--method lora {flag}"));
                list.Add(new($"full {attention}{ckpt}", new($"full {attention}{ckpt}", "type: full", adamw, Training(attention, checkpointing)), $"--method full {flag}"));
            }
        }
        list.Add(new("mezo sdpa", new("mezo sdpa", "type: zeroth_order\n  zeroth_order: { epsilon: 1.0e-3, trainable_fraction: 1.0 }", zo, Training("sdpa", false)), "--method mezo --attention sdpa"));
        return list;
    }

    public static int Run(string root, string trainer, int steps, string? only)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var reference = Path.Combine(root, "bench", "pytorch", "reference.py");
        var model = Path.Combine(root, "examples", "models", "tiny");
        var train = Path.Combine(root, "examples", "data", "tiny-train.jsonl");
        var work = Directory.CreateTempSubdirectory("lft-bench-torch").FullName;
        Console.WriteLine($"lft-train vs PyTorch ({python}, reference.py), tiny model, batch 8 x 128 tokens, {steps} steps, median of steps 4..{steps}, {Environment.ProcessorCount} cores; run back to back, so compare the ratios, not the times");
        Console.WriteLine();
        var tcmalloc = MemoryAllocator.FindTcmalloc();
        Console.WriteLine($"lft-train's allocator: {(tcmalloc is null ? "glibc (tcmalloc not installed)" : "tcmalloc")}; PyTorch as installed (glibc){(tcmalloc is null ? "" : ", and with tcmalloc preloaded")}");
        Console.WriteLine();
        Console.WriteLine("| variant | threads | lft-train ms/step | PyTorch ms/step | ratio (lft / PyTorch) | PyTorch + tcmalloc ms/step | ratio (lft / PyTorch + tcmalloc) | lft-train peak RSS | PyTorch peak RSS | PyTorch + tcmalloc peak RSS |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        try
        {
            foreach (var variant in Variants(steps).Where(v => only is null || v.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var threads in new[] { 1, 2 })
                {
                    var config = Path.Combine(work, "side.lft.yaml");
                    File.WriteAllText(config, variant.Config.ConfigText(model, train, Path.Combine(work, "run")));
                    var ours = RunTrainer(trainer, config, threads);
                    var theirs = RunReference(python, reference, model, variant.ReferenceArguments, steps, threads, preload: null);
                    var theirsTcmalloc = tcmalloc is null ? null : RunReference(python, reference, model, variant.ReferenceArguments, steps, threads, tcmalloc);
                    if (ours is null || theirs is null)
                    {
                        Console.WriteLine($"| {variant.Name} | {threads} | {(ours is null ? "failed" : "")} | {(theirs is null ? "failed" : "")} | | | | | | |");
                        continue;
                    }
                    string Ms((double Ms, long Rss)? run) => run is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{run.Value.Ms:F1}");
                    string Ratio((double Ms, long Rss)? run) => run is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{ours.Value.Ms / run.Value.Ms:F2}x");
                    string Rss((double Ms, long Rss)? run) => run is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{run.Value.Rss / 1048576.0:F0} MiB");
                    Console.WriteLine($"| {variant.Name} | {threads} | {Ms(ours)} | {Ms(theirs)} | {Ratio(theirs)} | {Ms(theirsTcmalloc)} | {Ratio(theirsTcmalloc)} | {Rss(ours)} | {Rss(theirs)} | {Rss(theirsTcmalloc)} |");
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return 0;
    }

    private static (double Ms, long Rss)? RunTrainer(string trainer, string config, int threads)
    {
        var (code, stdout, stderr) = Start("dotnet", [trainer, "train", config, "--threads", threads.ToString(CultureInfo.InvariantCulture)], threads);
        if (code != 0)
        {
            Console.Error.WriteLine($"lft-train failed: {stderr.Trim().Split('\n')[^1]}");
            return null;
        }
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        var ms = lines.Where(l => l["event"]!.GetValue<string>() == "step").Skip(3).Select(l => l["step_ms"]!.GetValue<double>()).Order().ToList();
        return (ms[ms.Count / 2], lines.Single(l => l["event"]!.GetValue<string>() == "end")["peak_rss_bytes"]!.GetValue<long>());
    }

    private static (double Ms, long Rss)? RunReference(string python, string script, string model, string arguments, int steps, int threads, string? preload)
    {
        var (code, stdout, stderr) = Start(python, [script, "--model", model, .. arguments.Split(' '), "--steps", steps.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture)], threads, preload);
        if (code != 0)
        {
            Console.Error.WriteLine($"PyTorch reference failed (is python3-torch installed?): {stderr.Trim().Split('\n')[^1]}");
            return null;
        }
        var result = (JsonObject)JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        return (result["median_step_ms"]!.GetValue<double>(), result["peak_rss_bytes"]!.GetValue<long>());
    }

    private static (int Code, string Stdout, string Stderr) Start(string program, IEnumerable<string> arguments, int threads, string? preload = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        // The same OpenMP setup for both: thread count, and passive waiting (what lft-train sets for itself).
        info.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        if (preload is not null)
            info.Environment["LD_PRELOAD"] = preload;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
