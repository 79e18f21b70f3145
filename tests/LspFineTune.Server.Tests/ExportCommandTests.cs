namespace LspFineTune.Server.Tests;

/// <summary>`lft export`: the file written where asked (or beside the config), what the target cannot express on stderr,
/// the written file read back, and nothing replaced that was not meant to be.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Example()
    {
        var config = Path.Combine(_folder.Path, "lora.lft.yaml");
        File.Copy(Repo.Example("llama2-7b-lora.lft.yaml"), config);
        return config;
    }

    [Fact]
    public void Export_writes_the_target_beside_the_config_prints_its_path_and_names_what_it_cannot_express()
    {
        var config = Example();
        var result = CliRunner.Run("export", config, "--to", "axolotl");
        Assert.True(result.Exit == 0, result.ToString());
        var written = Path.Combine(_folder.Path, "lora.axolotl.yaml");
        Assert.Equal(Path.GetRelativePath(Directory.GetCurrentDirectory(), written), result.StdoutLines.Single());
        var text = File.ReadAllText(written);
        Assert.StartsWith("# lft: gpu=a100-80gb gpus_per_node=1\n", text);
        Assert.Contains("base_model: meta-llama/Llama-2-7b-hf\n", text);
        Assert.Contains("lora_target_modules:\n  - q_proj\n  - v_proj\n", text);
        // The native plan keeps an fp32 master copy; axolotl without DeepSpeed does not.
        Assert.Contains("lft export: not expressed in axolotl: the plan keeps an fp32 master copy", result.Stderr);
        Assert.Contains("lft export: not expressed in axolotl: axolotl has no key for the number of examples", result.Stderr);
    }

    [Fact]
    public void A_written_config_that_estimates_differently_says_both_figures()
    {
        // Full fine-tuning with an fp32 master copy (native) against axolotl's in-place bf16 training: 16 vs 8 bytes a parameter.
        var config = _folder.Write("full.lft.yaml", "model:\n  name: meta-llama/Llama-3.2-1B\n  dtype: bf16\nmethod:\n  type: full\ntraining:\n  micro_batch_size: 1\n  sequence_length: 1024\n");
        var result = CliRunner.Run("export", config, "--to", "axolotl");
        Assert.True(result.Exit == 0, result.ToString());
        Assert.Matches(@"lft export: the written config estimates [0-9.]+ GB per GPU, the original [0-9.]+ GB: see what is not expressed above\.", result.Stderr);
    }

    [Fact]
    public void Export_to_a_DeepSpeed_JSON_with_o_writes_a_file_its_dialect_reads_without_errors()
    {
        var config = Example();
        var output = Path.Combine(_folder.Path, "nested", "ds.json");
        var result = CliRunner.Run("export", config, "--to", "deepspeed", "-o", output);
        Assert.True(result.Exit == 0, result.ToString());
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(output))!;
        Assert.Equal((0, 4, 8, 32), ((int)json["zero_optimization"]!["stage"]!, (int)json["train_micro_batch_size_per_gpu"]!, (int)json["gradient_accumulation_steps"]!, (int)json["train_batch_size"]!));
        Assert.Equal(0, CliRunner.Run("check", "--dialect", "deepspeed", output).Exit);
    }

    [Fact]
    public void An_existing_file_is_kept_unless_forced_and_the_config_itself_never_replaced()
    {
        var config = Example();
        var output = _folder.Write("taken.yaml", "keep me\n");
        var refused = CliRunner.Run("export", config, "--to", "accelerate", "-o", output);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("exists; add --force", refused.Stderr);
        Assert.Equal("keep me\n", File.ReadAllText(output));
        Assert.Equal(0, CliRunner.Run("export", config, "--to", "accelerate", "-o", output, "--force").Exit);
        // Quoted: accelerate reads its config with YAML 1.1, where a bare NO is false.
        Assert.Contains("distributed_type: \"NO\"", File.ReadAllText(output));
        var itself = CliRunner.Run("export", config, "--to", "native", "-o", config, "--force");
        Assert.Equal(2, itself.Exit);
        Assert.Contains("names the config itself", itself.Stderr);
    }

    [Theory]
    [InlineData("--to", "yaml", "not `yaml`")]
    [InlineData("--gpu", "h100-sxm", "needs --to")]
    public void Usage_mistakes_are_one_line_with_exit_2(string option, string value, string says)
    {
        var result = CliRunner.Run("export", Example(), option, value);
        Assert.Equal(2, result.Exit);
        Assert.Contains(says, result.StderrLines.Single());
    }

    [Fact]
    public void Hardware_flags_are_the_exported_hardware()
    {
        var result = CliRunner.Run("export", Example(), "--to", "accelerate", "--gpu", "h100-sxm", "--gpus-per-node", "8", "--nodes", "2");
        Assert.True(result.Exit == 0, result.ToString());
        var text = File.ReadAllText(Path.Combine(_folder.Path, "lora.accelerate.yaml"));
        Assert.Contains("distributed_type: MULTI_GPU\n", text);
        Assert.Contains("num_machines: 2\nnum_processes: 16\n", text);
        Assert.Contains("own copy with its machine_rank", result.Stderr);
    }
}
