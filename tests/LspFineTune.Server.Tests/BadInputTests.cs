using System.Text;
using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests;

/// <summary>
/// Bad input: an empty file, binary garbage, a 50,000-line YAML, deeply nested JSON, wrong types everywhere,
/// an unknown model or GPU. Each gives a clear diagnostic from every verb, no exception escapes, and the exit code is 1.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs check, estimate and estimate --json on the file; each exits 1 and reports <paramref name="code"/>.</summary>
    private static IReadOnlyList<JsonNode> AssertEveryVerbReports(string path, string code)
    {
        var check = CliRunner.Run("check", path);
        Assert.True(check.Exit == 1, check.ToString());
        Assert.Contains(check.StdoutLines, l => l.StartsWith(path + ":", StringComparison.Ordinal) && l.Contains($" {code}: ", StringComparison.Ordinal));

        var checkJson = CliRunner.Run("check", "--format", "json", path);
        Assert.Equal(1, checkJson.Exit);
        Assert.Contains(code, CliRunner.Codes(checkJson.Json().AsArray()[0]!));

        var estimate = CliRunner.Run("estimate", path);
        Assert.True(estimate.Exit == 1, estimate.ToString());
        Assert.Contains($" {code}: ", estimate.Stdout);

        var estimateJson = CliRunner.Run("estimate", "--json", path);
        Assert.Equal(1, estimateJson.Exit);
        var json = estimateJson.Json();
        Assert.Equal(path, (string)json["file"]!);
        var diagnostics = CliRunner.Diagnostics(json);
        Assert.Contains(diagnostics, d => (string)d["code"]! == code && (string)d["severity"]! == "error");
        Assert.All(diagnostics, d => Assert.True((int)d["line"]! >= 1 && (int)d["column"]! >= 1));
        return diagnostics;
    }

    [Theory]
    [InlineData("empty.lft.yaml", "")]
    [InlineData("empty.lft.json", "")]
    [InlineData("blank.lft.yaml", "\n\n   \n")]
    public void An_empty_file_is_LFT0002(string name, string text) =>
        AssertEveryVerbReports(_temp.Write(name, text), "LFT0002");

    [Theory]
    [InlineData("garbage.lft.yaml")]
    [InlineData("garbage.lft.json")]
    public void Binary_garbage_is_LFT0006(string name)
    {
        var bytes = new byte[4096];
        new Random(20240611).NextBytes(bytes);
        AssertEveryVerbReports(_temp.Write(name, bytes), "LFT0006");
    }

    [Fact]
    public void Fifty_thousand_unknown_keys_under_a_section_are_LFT0102_up_to_the_cap_and_counted_after()
    {
        var text = new StringBuilder(File.ReadAllText(Repo.Example("llama2-7b-lora.lft.yaml")));
        Assert.EndsWith("eval_every_steps: 100\n", text.ToString()); // the last section is `output:`
        for (var i = 0; i < 50_000; i++)
            text.Append("  k").Append(i).Append(": 1\n");
        var path = _temp.Write("long.lft.yaml", text.ToString());

        AssertCappedAtFirstUnknownKeys(AssertEveryVerbReports(path, "LFT0102"));
    }

    [Fact]
    public void Fifty_thousand_unknown_top_level_keys_are_LFT0102_up_to_the_cap_and_counted_after()
    {
        var text = new StringBuilder("model:\n  name: llama-2-7b\n");
        for (var i = 0; i < 50_000; i++)
            text.Append('k').Append(i).Append(": 1\n");
        var path = _temp.Write("wide.lft.yaml", text.ToString());

        AssertCappedAtFirstUnknownKeys(AssertEveryVerbReports(path, "LFT0102"));
    }

    /// <summary>The first keys in the document, each LFT0102, then one error that counts the rest (native unknown keys
    /// are errors, so the document still has errors).</summary>
    private static void AssertCappedAtFirstUnknownKeys(IReadOnlyList<JsonNode> diagnostics)
    {
        var unknown = diagnostics.Where(d => (string)d["code"]! == "LFT0102").ToList();
        Assert.Equal(Core.Diagnostics.DiagnosticCap.Max, unknown.Count + diagnostics.Count(d => (string)d["code"]! != "LFT0102") - 1);
        Assert.Contains("`k0`", (string)unknown[0]["message"]!);
        var summary = diagnostics[^1];
        Assert.Equal("error", (string)summary["severity"]!);
        Assert.Matches(@"^4\d,\d{3} more problems from here on are not listed", (string)summary["message"]!);
    }

    [Theory]
    [InlineData("brackets.lft.json", "[", "")]
    [InlineData("brackets-closed.lft.json", "[", "]")]
    [InlineData("objects.lft.json", "{\"a\":", "")]
    [InlineData("objects-closed.lft.json", "{\"a\":", "}")]
    [InlineData("brackets.lft.yaml", "[", "")]
    public void A_document_nested_100000_deep_is_LFT0004(string name, string open, string close)
    {
        var text = string.Concat(Enumerable.Repeat(open, 100_000)) + (close.Length > 0 ? "1" + string.Concat(Enumerable.Repeat(close, 100_000)) : "") + "\n";
        AssertEveryVerbReports(_temp.Write(name, text), "LFT0004");
    }

    /// <summary>Every key of the format, each with a value of the wrong type (as a JSON literal, which YAML reads the same).</summary>
    private static readonly (string Path, string Value)[] WrongTypes =
    [
        ("$schema", "5"),
        ("model.name", "[\"llama-2-7b\"]"),
        ("model.dtype", "16"),
        ("model.quantization", "false"),
        ("hardware.gpu", "{\"id\": \"a100\"}"),
        ("hardware.gpus_per_node", "\"one\""),
        ("hardware.nodes", "1.5"),
        ("method.type", "[\"lora\"]"),
        ("method.lora.rank", "\"sixteen\""),
        ("method.lora.alpha", "\"high\""),
        ("method.lora.dropout", "\"yes please\""),
        ("method.lora.target_modules", "7"),
        ("method.zeroth_order.epsilon", "\"small\""),
        ("method.zeroth_order.trainable_fraction", "[1]"),
        ("optimizer.type", "3"),
        ("optimizer.learning_rate", "\"fast\""),
        ("optimizer.weight_decay", "[0]"),
        ("optimizer.lr_scheduler", "1"),
        ("optimizer.warmup_steps", "\"some\""),
        ("optimizer.adarankgrad.max_rank", "2.5"),
        ("optimizer.adarankgrad.energy_threshold", "\"high\""),
        ("training.micro_batch_size", "\"four\""),
        ("training.gradient_accumulation_steps", "\"8\""),
        ("training.sequence_length", "\"long\""),
        ("training.epochs", "\"many\""),
        ("training.max_steps", "\"lots\""),
        ("training.gradient_checkpointing", "\"maybe\""),
        ("training.attention", "2"),
        ("training.packing", "1"),
        ("training.seed", "\"abc\""),
        ("deepspeed.zero_stage", "\"three\""),
        ("deepspeed.offload_optimizer", "[\"cpu\"]"),
        ("deepspeed.offload_params", "{\"x\": 1}"),
        ("data.train", "[\"a\", \"b\"]"),
        ("data.eval", "{\"a\": \"b\"}"),
        ("data.num_examples", "\"many\""),
        ("data.mean_tokens_per_example", "\"lots\""),
        ("output.dir", "[\"x\"]"),
        ("output.save_every_steps", "\"often\""),
        ("output.eval_every_steps", "\"rarely\""),
    ];

    [Theory]
    [InlineData("yaml")]
    [InlineData("json")]
    public void Wrong_types_everywhere_give_LFT0101_for_each_key_at_its_value(string format)
    {
        var (text, positions) = format == "yaml" ? WrongTypesDocument.Yaml(WrongTypes) : WrongTypesDocument.Json(WrongTypes);
        var path = _temp.Write("wrong-types.lft." + format, text);

        var diagnostics = AssertEveryVerbReports(path, "LFT0101");
        foreach (var (key, _) in WrongTypes)
        {
            var (line, column) = positions[key];
            Assert.True(
                diagnostics.Any(d => (string)d["code"]! == "LFT0101" && ((string)d["message"]!).Contains($"`{key}`", StringComparison.Ordinal)
                    && (int)d["line"]! == line && (int)d["column"]! == column),
                $"no LFT0101 for `{key}` at {line}:{column} in\n{text}\ngot:\n{string.Join("\n", diagnostics.Select(d => d.ToJsonString()))}");
        }
    }

    [Fact]
    public void An_unknown_model_is_LFT0201_with_a_did_you_mean()
    {
        var path = _temp.Write("model.lft.yaml", "model:\n  name: lama-2-7b\nhardware:\n  gpu: a100-80gb\n");

        var diagnostics = AssertEveryVerbReports(path, "LFT0201");
        var unknown = Assert.Single(diagnostics, d => (string)d["code"]! == "LFT0201");
        Assert.Contains("Did you mean `llama-2-7b`", (string)unknown["message"]!);
        Assert.Equal(2, (int)unknown["line"]!);
        Assert.Equal(9, (int)unknown["column"]!);
    }

    [Fact]
    public void An_unknown_gpu_is_LFT0202_with_a_did_you_mean()
    {
        var path = _temp.Write("gpu.lft.yaml", "model:\n  name: llama-2-7b\nhardware:\n  gpu: a100-80\n");

        var diagnostics = AssertEveryVerbReports(path, "LFT0202");
        var unknown = Assert.Single(diagnostics, d => (string)d["code"]! == "LFT0202");
        Assert.Contains("Did you mean `a100-80gb`", (string)unknown["message"]!);
        Assert.Equal(4, (int)unknown["line"]!);
        Assert.Equal(8, (int)unknown["column"]!);
    }
}

/// <summary>Writes nested keys with leaf values as YAML or JSON, one key per line, recording where each value starts (1-based).</summary>
internal static class WrongTypesDocument
{
    private sealed class Node
    {
        public List<(string Key, string Path, string? Value, Node? Child)> Entries { get; } = [];
    }

    private static Node Tree(IEnumerable<(string Path, string Value)> leaves)
    {
        var root = new Node();
        foreach (var (path, value) in leaves)
        {
            var parts = path.Split('.');
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var existing = node.Entries.FirstOrDefault(e => e.Key == parts[i] && e.Child is not null);
                if (existing.Child is null)
                {
                    existing = (parts[i], string.Join('.', parts[..(i + 1)]), null, new Node());
                    node.Entries.Add(existing);
                }
                node = existing.Child!;
            }
            node.Entries.Add((parts[^1], path, value, null));
        }
        return root;
    }

    public static (string Text, Dictionary<string, (int Line, int Column)> Positions) Yaml(IEnumerable<(string Path, string Value)> leaves)
    {
        var lines = new List<string>();
        var positions = new Dictionary<string, (int, int)>();
        void Write(Node node, string indent)
        {
            foreach (var (key, path, value, child) in node.Entries)
            {
                if (child is not null)
                {
                    lines.Add($"{indent}{key}:");
                    Write(child, indent + "  ");
                    continue;
                }
                var prefix = $"{indent}{key}: ";
                lines.Add(prefix + value);
                positions[path] = (lines.Count, prefix.Length + 1);
            }
        }
        Write(Tree(leaves), "");
        return (string.Join('\n', lines) + "\n", positions);
    }

    public static (string Text, Dictionary<string, (int Line, int Column)> Positions) Json(IEnumerable<(string Path, string Value)> leaves)
    {
        var lines = new List<string> { "{" };
        var positions = new Dictionary<string, (int, int)>();
        void Write(Node node, string indent)
        {
            for (var i = 0; i < node.Entries.Count; i++)
            {
                var (key, path, value, child) = node.Entries[i];
                var comma = i < node.Entries.Count - 1 ? "," : "";
                var prefix = $"{indent}\"{key}\": ";
                if (child is not null)
                {
                    lines.Add(prefix + "{");
                    Write(child, indent + "  ");
                    lines.Add(indent + "}" + comma);
                    continue;
                }
                lines.Add(prefix + value + comma);
                positions[path] = (lines.Count, prefix.Length + 1);
            }
        }
        Write(Tree(leaves), "  ");
        lines.Add("}");
        return (string.Join('\n', lines) + "\n", positions);
    }
}
