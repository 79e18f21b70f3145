using System.Diagnostics;
using System.Globalization;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>The trainer as the editor runs it, pointed at FIFOs, devices and folders: a clear error, never a hang.</summary>
public sealed class SpecialFileRunTests
{
    private static (int ExitCode, string Stdout, string Stderr) RunWithTimeout(params string[] arguments)
    {
        using var process = Process.Start(TrainerProcess.StartInfo(arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            Assert.Fail($"lft-train {string.Join(' ', arguments)} did not finish: blocked on a file?");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void A_config_argument_that_is_a_FIFO_or_a_device_is_refused_at_once()
    {
        using var run = new TempRun();
        var fifo = SpecialFiles.MakeFifo(Path.Combine(run.Directory, "fifo.lft.yaml"));

        foreach (var config in new[] { fifo, SpecialFiles.Zero })
        {
            var (code, _, stderr) = RunWithTimeout("train", config);
            Assert.Equal(2, code);
            Assert.Contains($"lft-train: {config}: the config is not a regular file (a FIFO, a device or a socket)", stderr);
            Assert.DoesNotContain("internal error", stderr);
        }
    }

    [Fact]
    public void Data_files_that_are_a_FIFO_a_device_or_a_folder_are_refused_with_the_key_that_names_them()
    {
        using var run = new TempRun();
        var fifo = SpecialFiles.MakeFifo(Path.Combine(run.Directory, "train.jsonl"));

        foreach (var (train, eval, problem) in new[]
        {
            (fifo, (string?)null, "the data file (data.train) is not a regular file"),
            (SpecialFiles.Zero, null, "the data file (data.train) is not a regular file"),
            (RepositoryPaths.Examples("data", "tiny-train.jsonl"), run.Directory, "the data file (data.eval) is a folder, not a file"),
        })
        {
            var config = run.WriteConfig(TempRun.TwoStepLora, train, eval);
            var (code, _, stderr) = RunWithTimeout("train", config);
            Assert.Equal(2, code);
            Assert.Contains(problem, stderr);
        }
    }

    [Fact]
    public void Model_folder_files_that_are_not_regular_are_refused_by_name()
    {
        using var run = new TempRun();
        var model = Directory.CreateDirectory(Path.Combine(run.Directory, "model")).FullName;
        foreach (var file in Directory.GetFiles(TempRun.TinyModel))
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        var config = run.WriteConfig(TempRun.TwoStepLora);
        File.WriteAllText(config, File.ReadAllText(config).Replace(TempRun.TinyModel, model));

        File.Delete(Path.Combine(model, "tokenizer.json"));
        SpecialFiles.MakeFifo(Path.Combine(model, "tokenizer.json"));
        var tokenizer = SpecialFiles.Throws<TrainerException>(() => new TrainingSession(new TrainOptions { ConfigPath = config }, TextWriter.Null, TextWriter.Null).Run());
        Assert.Contains($"{Path.Combine(model, "tokenizer.json")}: the tokenizer file is not a regular file", tokenizer.Message);

        File.Delete(Path.Combine(model, "tokenizer.json"));
        File.Move(Path.Combine(model, "model.safetensors"), Path.Combine(run.Directory, "weights.safetensors"));
        File.CreateSymbolicLink(Path.Combine(model, "model.safetensors"), SpecialFiles.Zero);
        var weights = SpecialFiles.Throws<TrainerException>(() => new TrainingSession(new TrainOptions { ConfigPath = config }, TextWriter.Null, TextWriter.Null).Run());
        Assert.Contains($"{Path.Combine(model, "model.safetensors")}: the weights file is not a regular file", weights.Message);
    }

    [Fact]
    public void A_data_line_with_a_lone_surrogate_is_skipped_counted_and_reported_and_the_run_completes()
    {
        using var run = new TempRun();
        var data = Path.Combine(run.Directory, "train.jsonl");
        File.Copy(RepositoryPaths.Examples("data", "tiny-train.jsonl"), data);
        var lines = File.ReadAllLines(data).Length;
        File.AppendAllText(data, "{\"text\": \"half a pair \\ud800 here\"}\n");
        var stdout = new StringWriter();
        var log = new StringWriter();

        var summary = new TrainingSession(new TrainOptions { ConfigPath = run.WriteConfig(TempRun.TwoStepLora, data), Threads = 1 }, stdout, log).Run();

        Assert.Equal(2, summary.Steps);
        var bad = new MetricsLines(stdout.ToString()).Events("bad_line").Single();
        Assert.Equal(lines + 1, bad["line"]!.GetValue<long>());
        Assert.Contains("lone surrogate", bad["problem"]!.GetValue<string>());
        Assert.Contains($"{data}:{lines + 1}: \"text\" is not valid Unicode text", log.ToString());
    }

    [Fact]
    public async Task SIGTERM_before_the_first_step_exits_130_at_once_with_nothing_to_resume()
    {
        using var run = new TempRun();
        // Enough data that reading and tokenizing it takes a while, so the signal lands before any step.
        var data = Path.Combine(run.Directory, "many.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 400_000).Select(i => $"{{\"text\": \"line {i} of a long file that takes a while to tokenize.\"}}"));
        var config = run.WriteConfig(TempRun.TwoStepLora, data, RepositoryPaths.Examples("data", "tiny-eval.jsonl"));

        using var process = Process.Start(TrainerProcess.StartInfo("train", config))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderrLines = new List<string>();
        string? line;
        while ((line = process.StandardError.ReadLine()) is not null)
        {
            stderrLines.Add(line);
            if (line.Contains("lft-train: writing to", StringComparison.Ordinal))
                break;
        }
        Assert.NotNull(line);
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        var rest = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(patience.Token); // throws when SIGTERM is not honoured

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("stopped before the first step; nothing to keep", await rest);
        Assert.DoesNotContain("\"event\":\"step\"", await stdout);
        Assert.False(Directory.Exists(Path.Combine(run.Output, "checkpoints")));
    }
}
