using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

/// <summary>Every field of a checkpoint's manifest is checked; a damaged newest checkpoint falls back to the previous one.</summary>
public sealed class CheckpointValidationTests : IDisposable
{
    private readonly TempRun _run = new();
    private readonly CheckpointStore _store;
    private readonly string _newest;

    public CheckpointValidationTests()
    {
        _store = new CheckpointStore(Path.Combine(_run.Directory, "checkpoints"), TextWriter.Null);
        using var first = ones(8);
        using var second = full(8, 2.0f);
        _store.Save(10, [("w", first)], new Dictionary<string, string> { ["step"] = "10" });
        _newest = _store.Save(20, [("w", second)], new Dictionary<string, string> { ["step"] = "20" });
    }

    public void Dispose() => _run.Dispose();

    public static TheoryData<string, string?, string> DamagedFields => new()
    {
        { "state_bytes", "\"abc\"", "manifest.json field `state_bytes` is \"abc\", not an integer" },
        { "state_bytes", "1.5", "manifest.json field `state_bytes` is 1.5, not an integer" },
        { "state_bytes", "-4", "manifest.json field `state_bytes` is -4, not a byte count" },
        { "step", "99", "manifest.json says step 99 but the folder is step 20" },
        { "step", "null", "manifest.json field `step` is null, not an integer" },
        { "state_sha256", "\"xyz\"", "manifest.json field `state_sha256` is \"xyz\", not 64 hex digits" },
        { "state_sha256", null, "manifest.json has no `state_sha256`" },
        { "format_version", "7", "manifest.json has format_version 7; this lft-train reads version 1" },
        { "format_version", "{}", "manifest.json field `format_version` is {}, not an integer" },
        { "writer", "\"someone\"", "manifest.json field `writer` is \"someone\", not \"lft-train\"" },
        { "written_utc", "5", "manifest.json field `written_utc` is 5, not a UTC time" },
    };

    [Theory]
    [MemberData(nameof(DamagedFields))]
    public void A_damaged_field_in_the_newest_manifest_is_reported_and_the_previous_checkpoint_loads(string field, string? value, string reason)
    {
        var manifestPath = Path.Combine(_newest, CheckpointStore.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        if (value is null)
            manifest.Remove(field);
        else
            manifest[field] = JsonNode.Parse(value);
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var log = new StringWriter();
        using var loaded = new CheckpointStore(_store.Directory, log).LoadLatest();

        Assert.NotNull(loaded);
        Assert.Equal(10, loaded.Step);
        Assert.Contains($"checkpoint {_newest} is damaged ({reason}", log.ToString());
        Assert.Contains("trying the previous one", log.ToString());
    }

    [Fact]
    public void A_manifest_that_is_not_JSON_or_not_a_regular_file_is_damage_too()
    {
        var manifestPath = Path.Combine(_newest, CheckpointStore.ManifestFile);
        File.WriteAllText(manifestPath, "{\"step\": 2");
        Assert.Contains("manifest.json is not valid JSON", CheckpointStore.Verify(_newest));

        File.Delete(manifestPath);
        SpecialFiles.MakeFifo(manifestPath);
        Assert.Contains("is not a regular file", SpecialFiles.Finishes(() => CheckpointStore.Verify(_newest)));

        var log = new StringWriter();
        using var loaded = SpecialFiles.Finishes(() => new CheckpointStore(_store.Directory, log).LoadLatest());
        Assert.Equal(10, loaded!.Step);
    }

    [Fact]
    public void A_state_file_whose_checksum_matches_but_whose_content_is_not_safetensors_is_damage()
    {
        var statePath = Path.Combine(_newest, CheckpointStore.StateFile);
        File.WriteAllBytes(statePath, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var manifestPath = Path.Combine(_newest, CheckpointStore.ManifestFile);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["state_bytes"] = 9;
        manifest["state_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(statePath)));
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        Assert.Contains("not a valid safetensors file", CheckpointStore.Verify(_newest));
        using var loaded = new CheckpointStore(_store.Directory, TextWriter.Null).LoadLatest();
        Assert.Equal(10, loaded!.Step);
    }

    [Fact]
    public void A_fresh_run_removes_only_the_trainers_checkpoints_and_says_which_folders_it_kept()
    {
        var users = Directory.CreateDirectory(Path.Combine(_store.Directory, "step-00000005")).FullName;
        File.WriteAllText(Path.Combine(users, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(_newest, "README.md"), "added by the user");
        var leftover = Directory.CreateDirectory(Path.Combine(_store.Directory, $".tmp-step-00000030-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(leftover, CheckpointStore.StateFile), "half");
        var usersTemp = Directory.CreateDirectory(Path.Combine(_store.Directory, ".tmp-step-mine")).FullName;

        var cleanup = _store.RemoveEarlierRun();

        Assert.Equal(1, cleanup.Removed);
        Assert.False(Directory.Exists(Path.Combine(_store.Directory, "step-00000010")));
        Assert.False(Directory.Exists(leftover));
        Assert.True(Directory.Exists(usersTemp));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(users, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(_newest, CheckpointStore.StateFile)));
        Assert.Equal([users, _newest], cleanup.Kept.Select(k => k.Path));
        Assert.Equal("it has no lft-train manifest.json", cleanup.Kept[0].Reason);
        Assert.Contains("it holds README.md, which lft-train does not write", cleanup.Kept[1].Reason);
    }

    [Fact]
    public void A_whole_checkpoint_that_holds_a_file_lft_train_does_not_write_is_not_loaded()
    {
        File.WriteAllText(Path.Combine(_newest, "README.md"), "added by the user");
        var log = new StringWriter();

        using var loaded = new CheckpointStore(_store.Directory, log).LoadLatest();

        Assert.Equal(10, loaded!.Step);
        Assert.Contains($"checkpoint {_newest} is not lft-train's (it holds README.md, which lft-train does not write)", log.ToString());
    }

    [Fact]
    public void Saving_over_a_folder_lft_train_did_not_write_stops_with_a_clear_error_and_leaves_it_alone()
    {
        var users = Directory.CreateDirectory(Path.Combine(_store.Directory, "step-00000030")).FullName;
        File.WriteAllText(Path.Combine(users, "weights.bin"), "mine");
        using var value = ones(2);

        var error = Assert.Throws<TrainerException>(() => _store.Save(30, [("w", value)], new Dictionary<string, string>()));

        Assert.Contains($"{users}: cannot write the checkpoint of step 30 there", error.Message);
        Assert.Contains("Move the folder away, then continue with --resume", error.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(users, "weights.bin")));
        Assert.Single(Directory.GetFileSystemEntries(users));
    }

    [Fact]
    public void Pruning_keeps_the_two_newest_of_the_trainers_checkpoints_and_never_a_users_folder()
    {
        var users = Directory.CreateDirectory(Path.Combine(_store.Directory, "step-00000001")).FullName;
        using var value = ones(2);
        _store.Save(30, [("w", value)], new Dictionary<string, string>());

        var left = Directory.GetDirectories(_store.Directory).Select(Path.GetFileName).Order().ToList();

        Assert.Equal(["step-00000001", "step-00000020", "step-00000030"], left);
        Assert.True(Directory.Exists(users));
    }
}
