using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LspFineTune.Server.Tests;

/// <summary>`lft estimate --json FILE` on every example: the shape CONFIG.md fixes, and the verdicts the examples promise.</summary>
public class EstimateJsonTests
{
    private static readonly string[] RequiredBreakdownKeys = ["weights", "gradients", "optimizer_states", "activations", "logits_and_loss", "overhead"];

    public static IEnumerable<object[]> Examples() => Repo.ExampleNames();

    private static (CliResult Result, JsonNode Json) Estimate(string path)
    {
        var result = CliRunner.Run("estimate", "--json", path);
        return (result, result.Json());
    }

    [Fact]
    public void The_examples_folder_holds_yaml_and_json_configs()
    {
        var names = Repo.ExampleNames().Select(n => (string)n[0]).ToList();
        Assert.Contains(names, n => n.EndsWith(".lft.yaml", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith(".lft.json", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Output_has_the_documented_shape(string example)
    {
        var path = Repo.Example(example);
        var (result, json) = Estimate(path);

        Assert.Equal(path, (string)json["file"]!);

        var model = json["model"]!;
        Assert.False(string.IsNullOrWhiteSpace((string)model["id"]!));
        var parameters = (long)model["parameters"]!;
        var trainable = (long)model["trainable_parameters"]!;
        Assert.True(parameters > 0, result.ToString());
        Assert.InRange(trainable, 1, parameters);

        var hardware = json["hardware"]!;
        Assert.False(string.IsNullOrWhiteSpace((string)hardware["gpu"]!));
        Assert.True((int)hardware["gpus"]! >= 1);
        Assert.True((long)hardware["usable_bytes_per_gpu"]! > 0);

        var memory = json["memory"]!;
        Assert.True((long)memory["peak_bytes_per_gpu"]! > 0);
        Assert.Contains(memory["fits"]!.GetValueKind(), new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Equal(JsonValueKind.Object, memory["breakdown"]!.GetValueKind());
        Assert.True((long)memory["cpu_offload_bytes"]! >= 0);

        var runtime = json["runtime"]!;
        Assert.True((double)runtime["step_seconds"]! > 0, result.ToString());
        Assert.True((double)runtime["tokens_per_second"]! > 0, result.ToString());
        Assert.True(runtime["total_seconds"] is null || (double)runtime["total_seconds"]! > 0, result.ToString());

        foreach (var diagnostic in CliRunner.Diagnostics(json))
        {
            Assert.Contains((string)diagnostic["severity"]!, new[] { "error", "warning", "info", "hint" });
            Assert.Matches(new Regex(@"^LFT\d{4}$"), (string)diagnostic["code"]!);
            Assert.False(string.IsNullOrWhiteSpace((string)diagnostic["message"]!));
            Assert.True((int)diagnostic["line"]! >= 1, "lines are 1-based");
            Assert.True((int)diagnostic["column"]! >= 1, "columns are 1-based");
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Breakdown_adds_up_to_the_peak_and_names_the_documented_terms(string example)
    {
        var (_, json) = Estimate(Repo.Example(example));
        var memory = json["memory"]!;
        var breakdown = memory["breakdown"]!.AsObject();

        foreach (var key in RequiredBreakdownKeys)
            Assert.True(breakdown.ContainsKey(key), $"breakdown lacks `{key}`: {breakdown.ToJsonString()}");
        Assert.All(breakdown, term => Assert.True((long)term.Value! >= 0, $"{term.Key} is negative"));
        Assert.Equal((long)memory["peak_bytes_per_gpu"]!, breakdown.Sum(term => (long)term.Value!));
    }

    [Fact]
    public void A_full_DPO_configs_breakdown_has_its_reference_model_and_its_runtime_the_reference_forward()
    {
        // axolotl's examples/qwen2/dpo.yaml: full fine-tuning of Qwen2.5-0.5B with rl: dpo keeps a bf16 reference copy.
        var json = CliRunner.Run("estimate", "--json", Path.Combine(Repo.Root, "tests", "corpus", "axolotl", "examples__qwen2__dpo.yaml")).Json();
        var breakdown = json["memory"]!["breakdown"]!.AsObject();
        Assert.True(breakdown.ContainsKey("reference_model"), breakdown.ToJsonString());
        Assert.InRange((long)breakdown["reference_model"]!, 900_000_000L, 1_100_000_000L);
        Assert.Equal((long)json["memory"]!["peak_bytes_per_gpu"]!, breakdown.Sum(term => (long)term.Value!));
        Assert.Contains("reference_forward", json.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Fits_means_the_peak_is_within_the_usable_memory(string example)
    {
        var (_, json) = Estimate(Repo.Example(example));
        var peak = (long)json["memory"]!["peak_bytes_per_gpu"]!;
        var usable = (long)json["hardware"]!["usable_bytes_per_gpu"]!;
        Assert.Equal(peak <= usable, (bool)json["memory"]!["fits"]!);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Exit_code_is_1_exactly_when_a_diagnostic_is_an_error(string example)
    {
        var (result, json) = Estimate(Repo.Example(example));
        var hasError = CliRunner.Diagnostics(json).Any(d => (string)d["severity"]! == "error");
        Assert.Equal(hasError ? 1 : 0, result.Exit);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void Llama2_7b_lora_fits_one_a100_and_trains_8_4_million_parameters()
    {
        var (result, json) = Estimate(Repo.Example("llama2-7b-lora.lft.yaml"));

        Assert.Equal(0, result.Exit);
        Assert.Equal("llama-2-7b", (string)json["model"]!["id"]!);
        Assert.Equal(6_738_415_616, (long)json["model"]!["parameters"]!);
        // r16 on q_proj and v_proj: 32 layers x 2 modules x 16 x (4096 + 4096).
        Assert.Equal(8_388_608, (long)json["model"]!["trainable_parameters"]!);
        Assert.Equal("a100-80gb", (string)json["hardware"]!["gpu"]!);
        Assert.Equal(1, (int)json["hardware"]!["gpus"]!);
        Assert.True((bool)json["memory"]!["fits"]!);
        Assert.DoesNotContain(CliRunner.Diagnostics(json), d => (string)d["severity"]! == "error");
    }

    [Fact]
    public void Llama2_70b_full_fine_tune_does_not_fit_8_a100s()
    {
        var (result, json) = Estimate(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));

        Assert.Equal(1, result.Exit);
        Assert.False((bool)json["memory"]!["fits"]!);
        Assert.Equal(8, (int)json["hardware"]!["gpus"]!);
        Assert.Contains(CliRunner.Diagnostics(json), d => (string)d["code"]! == "LFT0301" && (string)d["severity"]! == "error");
    }

    [Fact]
    public void Mistral_long_context_does_not_fit_with_eager_attention_but_fits_with_flash()
    {
        var path = Repo.Example("mistral-7b-long-context.lft.yaml");
        var text = File.ReadAllText(path);
        Assert.Contains("attention: eager", text);

        var (eager, eagerJson) = Estimate(path);
        Assert.Equal(1, eager.Exit);
        Assert.False((bool)eagerJson["memory"]!["fits"]!);
        Assert.Contains("LFT0301", CliRunner.Codes(eagerJson));

        using var temp = new TempFolder();
        var flashPath = temp.Write("mistral-flash.lft.yaml", text.Replace("attention: eager", "attention: flash", StringComparison.Ordinal));
        var (flash, flashJson) = Estimate(flashPath);
        Assert.True((bool)flashJson["memory"]!["fits"]!, flash.ToString());
        Assert.DoesNotContain("LFT0301", CliRunner.Codes(flashJson));
        Assert.True((long)flashJson["memory"]!["peak_bytes_per_gpu"]! < (long)eagerJson["memory"]!["peak_bytes_per_gpu"]!);
    }

    [Fact]
    public void Llama3_on_v100_warns_about_bf16_and_flash_attention_at_their_values()
    {
        var path = Repo.Example("llama3-8b-bf16-on-v100.lft.yaml");
        var lines = File.ReadAllLines(path);
        var (result, json) = Estimate(path);

        Assert.Equal(0, result.Exit);
        Assert.True((bool)json["memory"]!["fits"]!);
        AssertWarningAt(json, "LFT0401", lines, "dtype: bf16", "bf16");
        AssertWarningAt(json, "LFT0402", lines, "attention: flash", "flash");
    }

    private static void AssertWarningAt(JsonNode json, string code, string[] lines, string lineText, string value)
    {
        var line = Array.FindIndex(lines, l => !l.TrimStart().StartsWith('#') && l.Contains(lineText, StringComparison.Ordinal));
        Assert.True(line >= 0, $"no line holds `{lineText}`");
        var diagnostic = Assert.Single(CliRunner.Diagnostics(json), d => (string)d["code"]! == code);
        Assert.Equal("warning", (string)diagnostic["severity"]!);
        Assert.Equal(line + 1, (int)diagnostic["line"]!);
        Assert.Equal(lines[line].IndexOf(value, StringComparison.Ordinal) + 1, (int)diagnostic["column"]!);
    }
}
