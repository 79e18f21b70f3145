using System.Diagnostics;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

public sealed class ResumeTests
{
    private const string LoraWithDropout = """
        method:
          type: lora
          lora: { rank: 4, alpha: 8, dropout: 0.1, target_modules: [q_proj, v_proj, up_proj] }
        optimizer:
          type: adamw
          learning_rate: 2.0e-3
          lr_scheduler: cosine
          warmup_steps: 2
        training:
          micro_batch_size: 4
          gradient_accumulation_steps: 2
          sequence_length: 64
          max_steps: 30
          seed: 9
        """;

    [Fact]
    public void A_run_killed_with_SIGKILL_and_resumed_ends_with_the_same_loss_as_an_uninterrupted_run()
    {
        using var straight = new TempRun();
        var (code, stdout, stderr) = TrainerProcess.Run("train", straight.WriteConfig(LoraWithDropout), "--threads", "1");
        Assert.True(code == 0, stderr);
        var expected = new MetricsLines(stdout);

        using var killed = new TempRun();
        var config = killed.WriteConfig(LoraWithDropout);
        using (var process = Process.Start(TrainerProcess.StartInfo("train", config, "--threads", "1"))!)
        {
            // Kill as soon as the first checkpoint is reported: mid-run, with steps after it lost.
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null && !line.Contains("\"checkpoint\"", StringComparison.Ordinal))
            {
            }
            Assert.NotNull(line);
            process.Kill(); // SIGKILL on Linux: no cleanup, no flush
            process.WaitForExit();
        }
        var resumedRun = TrainerProcess.Run("train", config, "--threads", "1", "--resume");
        Assert.True(resumedRun.ExitCode == 0, resumedRun.Stderr);
        var resumed = new MetricsLines(resumedRun.Stdout);

        Assert.Contains("resumed from", resumedRun.Stderr);
        Assert.True(resumed.Events("start").Single()["start_step"]!.GetValue<long>() > 0);
        Assert.Equal(expected.End["final_loss"]!.GetValue<double>(), resumed.End["final_loss"]!.GetValue<double>());
        Assert.Equal(expected.End["eval_loss"]!.GetValue<double>(), resumed.End["eval_loss"]!.GetValue<double>());
        // The whole trajectory after the resume point matches step for step.
        var expectedLosses = expected.Events("step").ToDictionary(e => e["step"]!.GetValue<long>(), e => e["loss"]!.GetValue<double>());
        foreach (var step in resumed.Events("step"))
            Assert.Equal(expectedLosses[step["step"]!.GetValue<long>()], step["loss"]!.GetValue<double>());
    }

    [Fact]
    public void SIGTERM_stops_after_the_current_step_with_a_checkpoint_that_resume_continues_from()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(LoraWithDropout);
        var lines = new List<string>();
        int exitCode;
        using (var process = Process.Start(TrainerProcess.StartInfo("train", config, "--threads", "1"))!)
        {
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                lines.Add(line);
                if (line.Contains("\"step\":3,", StringComparison.Ordinal))
                    Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            }
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        var metrics = new MetricsLines(string.Join("\n", lines));
        var cancelled = metrics.Events("cancelled").Single();
        var stoppedAt = cancelled["step"]!.GetValue<long>();

        Assert.Equal(130, exitCode);
        Assert.Empty(metrics.Events("end"));
        Assert.True(stoppedAt is >= 3 and < 30);
        Assert.Null(CheckpointStore.Verify(cancelled["checkpoint"]!.GetValue<string>()));

        var resumed = TrainerProcess.Run("train", config, "--threads", "1", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(stoppedAt, new MetricsLines(resumed.Stdout).Events("start").Single()["start_step"]!.GetValue<long>());
    }

    [Fact]
    public void A_corrupted_newest_checkpoint_is_detected_and_the_previous_one_is_loaded_instead()
    {
        using var run = new TempRun();
        var store = new CheckpointStore(Path.Combine(run.Directory, "checkpoints"), TextWriter.Null);
        using var first = TorchSharp.torch.ones(8);
        using var second = TorchSharp.torch.full(8, 2.0f);
        store.Save(10, [("w", first)], new Dictionary<string, string>());
        var newest = store.Save(20, [("w", second)], new Dictionary<string, string>());
        var state = Path.Combine(newest, CheckpointStore.StateFile);
        var bytes = File.ReadAllBytes(state);
        bytes[^3] ^= 0x40; // one flipped bit in the data
        File.WriteAllBytes(state, bytes);

        var log = new StringWriter();
        using var loaded = new CheckpointStore(store.Directory, log).LoadLatest();

        Assert.NotNull(loaded);
        Assert.Equal(10, loaded.Step);
        Assert.Equal(1.0f, loaded.Contents.Tensors["w"][0].item<float>());
        Assert.Contains("step-00000020 is damaged (state.safetensors does not match its SHA-256 checksum", log.ToString());
    }

    [Fact]
    public void A_truncated_checkpoint_is_never_loaded_and_resume_stops_with_a_clear_error()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(LoraWithDropout.Replace("max_steps: 30", "max_steps: 10"));
        new TrainingSession(new TrainOptions { ConfigPath = config }, TextWriter.Null, TextWriter.Null).Run();
        foreach (var checkpoint in Directory.GetDirectories(Path.Combine(run.Output, "checkpoints")))
        {
            var state = Path.Combine(checkpoint, CheckpointStore.StateFile);
            var bytes = File.ReadAllBytes(state);
            File.WriteAllBytes(state, bytes[..(bytes.Length / 2)]);
            Assert.Contains("truncated", CheckpointStore.Verify(checkpoint));
        }

        var log = new StringWriter();
        var error = Assert.Throws<TrainerException>(() =>
            new TrainingSession(new TrainOptions { ConfigPath = config, Resume = true }, TextWriter.Null, log).Run());

        Assert.Contains("damaged", log.ToString());
        Assert.Contains("none was loaded", error.Message);
    }
}
