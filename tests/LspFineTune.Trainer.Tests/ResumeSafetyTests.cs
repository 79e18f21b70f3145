using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>--resume after damage or a changed config, and what a fresh run does with the folder: clear words, nothing lost.</summary>
public sealed class ResumeSafetyTests
{
    private const string Lora = """
        method:
          type: lora
          lora: { rank: 4, alpha: 8, dropout: 0.0, target_modules: [q_proj, v_proj] }
        optimizer:
          type: adamw
          learning_rate: 1.0e-3
        training:
          micro_batch_size: 4
          sequence_length: 32
          max_steps: 20
          seed: 3
        """;

    private static (TrainingSummary Summary, string Log) Train(string config, bool resume = false)
    {
        var log = new StringWriter();
        var summary = new TrainingSession(new TrainOptions { ConfigPath = config, Resume = resume, Threads = 1 }, TextWriter.Null, log).Run();
        return (summary, log.ToString());
    }

    private static TrainerException Refused(string config)
    {
        var log = new StringWriter();
        return Assert.Throws<TrainerException>(() => new TrainingSession(new TrainOptions { ConfigPath = config, Resume = true, Threads = 1 }, TextWriter.Null, log).Run());
    }

    [Fact]
    public void A_damaged_field_in_the_newest_manifest_resumes_from_the_previous_checkpoint_and_says_which_was_skipped_and_why()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(Lora);
        Train(config);
        var newest = Path.Combine(run.Output, "checkpoints", "step-00000020");
        var manifestPath = Path.Combine(newest, CheckpointStore.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["state_bytes"] = "many";
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var (summary, log) = Train(config, resume: true);

        Assert.Equal(20, summary.Steps);
        Assert.Contains($"checkpoint {newest} is damaged (manifest.json field `state_bytes` is \"many\", not an integer)", log);
        Assert.Contains($"resumed from {Path.Combine(run.Output, "checkpoints", "step-00000010")} (step 10)", log);
    }

    [Fact]
    public void Resuming_after_the_trainable_layout_changed_says_what_differs_and_what_to_do()
    {
        using var run = new TempRun();
        Train(run.WriteConfig(Lora.Replace("max_steps: 20", "max_steps: 10")));

        var rank = Refused(run.WriteConfig(Lora.Replace("rank: 4", "rank: 16")));
        Assert.Contains("cannot resume", rank.Message);
        Assert.Contains("method.lora.rank: 4 in the checkpoint, 16 in the config", rank.Message);
        Assert.Contains("to resume, set method.lora.rank: 4 again; or start afresh in another output.dir", rank.Message);
        Assert.Equal(1, rank.ExitCode);

        var targets = Refused(run.WriteConfig(Lora.Replace("[q_proj, v_proj]", "[q_proj, v_proj, up_proj]")));
        Assert.Contains("method.lora.target_modules: [q_proj, v_proj] in the checkpoint, [q_proj, up_proj, v_proj] in the config", targets.Message);

        var optimizer = Refused(run.WriteConfig(Lora.Replace("type: adamw", "type: sgd")));
        Assert.Contains("optimizer.type: adamw in the checkpoint, sgd in the config", optimizer.Message);

        var method = Refused(run.WriteConfig(Lora.Replace("type: lora", "type: full")));
        Assert.Contains("method.type: lora in the checkpoint, full in the config", method.Message);

        // Nothing was touched by the refusals: the original config still resumes (with nothing left to do).
        var (summary, _) = Train(run.WriteConfig(Lora.Replace("max_steps: 20", "max_steps: 10")), resume: true);
        Assert.Equal(10, summary.Steps);
    }

    [Fact]
    public void A_fresh_run_says_where_it_writes_keeps_a_users_step_folder_and_removes_only_its_own_checkpoints()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(Lora.Replace("max_steps: 20", "max_steps: 10"));
        Train(config);
        var users = Directory.CreateDirectory(Path.Combine(run.Output, "checkpoints", "step-00000007")).FullName;
        File.WriteAllText(Path.Combine(users, "mine.txt"), "keep me");

        var (_, log) = Train(config);

        Assert.Contains($"lft-train: writing to {run.Output} (checkpoints, adapter).", log);
        Assert.Contains("removed 1 checkpoint(s) of an earlier run", log);
        Assert.Contains($"kept {users}: it has no lft-train manifest.json", log);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(users, "mine.txt")));
        Assert.Null(CheckpointStore.Verify(Path.Combine(run.Output, "checkpoints", "step-00000010")));
    }

    [Fact]
    public void A_run_refuses_an_output_folder_with_someone_elses_files_before_loading_anything()
    {
        using var run = new TempRun();
        Directory.CreateDirectory(run.Output);
        File.WriteAllText(Path.Combine(run.Output, "thesis.tex"), "precious");

        var error = Assert.Throws<TrainerException>(() => Train(run.WriteConfig(Lora)));

        Assert.StartsWith($"{run.Output}: output.dir is a folder that already holds what lft-train did not write (thesis.tex)", error.Message);
        Assert.Equal(["thesis.tex"], Directory.GetFileSystemEntries(run.Output).Select(Path.GetFileName));
    }
}
