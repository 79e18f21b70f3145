using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Tests;

public sealed class DataTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"lft-data-{Guid.NewGuid():N}.jsonl");
    private readonly ByteLevelTokenizer _tokenizer = new();

    public DataTests() => LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Bad_lines_are_reported_with_their_line_numbers_and_skipped()
    {
        File.WriteAllLines(_path,
        [
            """{"text": "good one"}""",
            """{"text": 5}""",
            "",
            "not json",
            """{"prompt": "Q: ", "completion": "A"}""",
            """{"title": "no text"}""",
        ]);

        var result = JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Skip);

        Assert.Equal(2, result.Examples.Count);
        Assert.Equal([2L, 4, 6], result.BadLines.Select(b => b.Line));
        Assert.Contains("\"text\" must be a non-empty string", result.BadLines[0].Problem);
        Assert.StartsWith($"{_path}:4: not valid JSON", result.BadLines[1].ToString());
    }

    [Fact]
    public void A_bad_line_is_fatal_when_the_setting_says_so()
    {
        File.WriteAllLines(_path, ["""{"text": "fine"}""", "{oops"]);
        var error = Assert.Throws<TrainerException>(() => JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Fail));
        Assert.Contains($"{_path}:2:", error.Message);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public void A_lone_surrogate_escaped_or_as_bytes_and_a_huge_line_are_bad_lines_counted_with_their_numbers()
    {
        using (var file = File.Create(_path))
        {
            file.Write("""{"text": "good one"}"""u8);
            file.Write("\n{\"text\": \"bad \\ud800 here\"}\n"u8);
            file.Write("{\"prompt\": \"\\udfff\", \"completion\": \"x\"}\n"u8);
            file.Write([.. "{\"text\": \"raw "u8, 0xED, 0xA0, 0x80, .. "\"}\n"u8]);
            file.Write("{\"text\": \""u8);
            file.Write(Enumerable.Repeat((byte)'a', JsonlDataset.MaxLineBytes + 10).ToArray());
            file.Write("\"}\n{\"text\": \"good two\"}\n"u8);
        }

        var result = JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Skip);

        Assert.Equal(2, result.Examples.Count);
        Assert.Equal(4, result.BadLineCount);
        Assert.Equal([2L, 3, 4, 5], result.BadLines.Select(b => b.Line));
        Assert.Contains("\"text\" is not valid Unicode text (a lone surrogate", result.BadLines[0].Problem);
        Assert.Contains("\"prompt\" is not valid Unicode text", result.BadLines[1].Problem);
        Assert.Contains("not valid UTF-8", result.BadLines[2].Problem);
        Assert.Contains("longer than 16 MiB", result.BadLines[3].Problem);
    }

    [Fact]
    public void A_lone_surrogate_is_fatal_with_its_line_number_when_bad_lines_fail()
    {
        File.WriteAllLines(_path, ["""{"text": "fine"}""", """{"text": "\ud800"}"""]);
        var error = Assert.Throws<TrainerException>(() => JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Fail));
        Assert.StartsWith($"{_path}:2: \"text\" is not valid Unicode text", error.Message);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public void Bad_lines_beyond_the_reported_ones_are_counted_not_kept()
    {
        File.WriteAllLines(_path, [.. Enumerable.Repeat("not json", JsonlDataset.MaxReportedBadLines + 50), """{"text": "fine"}"""]);
        var result = JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Skip);
        Assert.Equal(JsonlDataset.MaxReportedBadLines, result.BadLines.Count);
        Assert.Equal(JsonlDataset.MaxReportedBadLines + 50, result.BadLineCount);
    }

    [Fact]
    public void Prompt_completion_examples_put_the_loss_on_the_completion_only()
    {
        File.WriteAllLines(_path, ["""{"prompt": "Hi", "completion": "yo"}"""]);
        var example = JsonlDataset.Read(_path, _tokenizer, 1, 2, 100, BadLinePolicy.Fail).Examples.Single();
        Assert.Equal([1, 3 + 'H', 3 + 'i', 3 + 'y', 3 + 'o', 2], example.Ids);
        Assert.Equal([false, false, false, true, true, true], example.IsTarget);

        var (inputs, labels, targets) = Batcher.Collate([example], 0);
        Assert.Equal([1L, 3 + 'H', 3 + 'i', 3 + 'y', 3 + 'o'], inputs.data<long>().ToArray());
        Assert.Equal([-100L, -100, 3 + 'y', 3 + 'o', 2], labels.data<long>().ToArray());
        Assert.Equal(3, targets);
    }

    [Fact]
    public void Batches_depend_only_on_seed_and_index_so_a_resumed_run_sees_the_same_data()
    {
        var examples = Enumerable.Range(0, 10).Select(i => new TokenizedExample([1, 3 + i, 2], [false, true, true])).ToList();
        var first = new Batcher(examples, 3, 16, packing: false, seed: 42, padId: 0);
        var second = new Batcher(examples, 3, 16, packing: false, seed: 42, padId: 0);
        for (var index = 0; index < 9; index++)
            Assert.Equal(first.MicroBatch(index).Inputs.data<long>().ToArray(), second.MicroBatch(index).Inputs.data<long>().ToArray());
    }

    [Fact]
    public void The_byte_level_tokenizer_json_round_trips_and_text_decodes_back()
    {
        var folder = Directory.CreateTempSubdirectory("lft-tok").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, TokenizerLoader.TokenizerJson), _tokenizer.ToTokenizerJson(0, 1, 2));
            var loaded = TokenizerLoader.Load(folder, 512);
            Assert.Equal("héllo wörld", loaded.Decode(loaded.Encode("héllo wörld")));
            Assert.Equal(_tokenizer.Encode("abc"), loaded.Encode("abc"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

public sealed class BpeTokenizerTests
{
    [Fact]
    public void A_byte_level_BPE_tokenizer_json_applies_its_merges_and_decodes_back()
    {
        var bytes = new ByteLevelTokenizer(firstByteId: 0);
        var json = System.Text.Json.Nodes.JsonNode.Parse(bytes.ToTokenizerJson(256, 257, 258))!.AsObject();
        var model = json["model"]!.AsObject();
        model["vocab"]!.AsObject()["th"] = 259;
        model["vocab"]!.AsObject()["the"] = 260;
        model["merges"] = new System.Text.Json.Nodes.JsonArray("t h", new System.Text.Json.Nodes.JsonArray("th", "e"));
        json["pre_tokenizer"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true };
        var folder = Directory.CreateTempSubdirectory("lft-bpe").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, TokenizerLoader.TokenizerJson), json.ToJsonString());
            var tokenizer = TokenizerLoader.Load(folder, 512);

            Assert.IsType<ByteLevelBpeTokenizer>(tokenizer);
            Assert.Equal([260, 'm'], tokenizer.Encode("them"));
            Assert.Equal("them, the end", tokenizer.Decode(tokenizer.Encode("them, the end")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

public sealed class PackingTests
{
    [Fact]
    public void Packing_cuts_the_concatenated_examples_into_windows_of_sequence_length_plus_one()
    {
        LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();
        var examples = Enumerable.Range(0, 5).Select(i => new TokenizedExample([1, 10 + i, 20 + i, 2], [false, true, true, true])).ToList();
        var packed = new Batcher(examples, 1, sequenceLength: 7, packing: true, seed: 1, padId: 0);

        // 20 tokens, windows of 8 overlapping by one (the last target of a window is the next window's first input).
        Assert.Equal(3, packed.ExampleCount);
        var lengths = packed.InOrder().Select(b => b.Inputs.shape[1]).ToList();
        Assert.Equal([7L, 7L, 5L], lengths);
    }
}
