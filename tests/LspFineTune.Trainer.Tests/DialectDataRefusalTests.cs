using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>What the bundled trainer cannot run from a framework config is refused with one line that names the key and what to do.</summary>
public sealed class DialectDataRefusalTests
{
    private static string Refusal(string fileName, string yaml, Action<string>? prepare = null)
    {
        using var run = new TempRun();
        prepare?.Invoke(run.Directory);
        var config = Path.Combine(run.Directory, fileName);
        File.WriteAllText(config, yaml.Replace("MODEL", TempRun.TinyModel));
        var error = Assert.Throws<TrainerException>(() => new TrainingSession(new TrainOptions { ConfigPath = config, OutputDirectory = run.Output }, new StringWriter(), new StringWriter()).Run());
        Assert.DoesNotContain('\n', error.Message.Trim());
        return error.Message;
    }

    private const string Axolotl = "# lft: gpu=cpu\nbase_model: MODEL\nadapter: lora\nlora_target_linear: true\nsequence_len: 128\nmicro_batch_size: 2\nmax_steps: 2\nlearning_rate: 0.001\nbf16: false\n";

    [Fact]
    public void A_hub_dataset_is_refused_with_the_key_and_how_to_get_it_local()
    {
        var message = Refusal("hub.yml", Axolotl + "datasets:\n  - path: mhenrichsen/alpaca_2k_test\n    type: alpaca\n");
        Assert.Contains("`datasets[0].path: mhenrichsen/alpaca_2k_test`", message);
        Assert.Contains("hf download mhenrichsen/alpaca_2k_test --repo-type dataset", message);
    }

    [Fact]
    public void An_unsupported_type_and_a_remote_URL_are_refused_by_name()
    {
        Assert.Contains("`datasets[0].type: oasst`", Refusal("type.yml", Axolotl + "datasets:\n  - path: data.jsonl\n    type: oasst\n", d => File.WriteAllText(Path.Combine(d, "data.jsonl"), "{}\n")));
        Assert.Contains("a remote location", Refusal("url.yml", Axolotl + "datasets:\n  - path: https://example.org/data.jsonl\n    type: completion\n"));
    }

    [Fact]
    public void A_chat_dataset_on_a_tokenizer_without_a_chat_template_stops_as_axolotl_does_and_says_what_to_set()
    {
        var message = Refusal("chat.yml", Axolotl + "datasets:\n  - path: chat.jsonl\n    type: chat_template\n",
            d => File.WriteAllText(Path.Combine(d, "chat.jsonl"), """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""" + "\n"));
        Assert.Contains("`chat_template: tokenizer_default`", message);
        Assert.Contains("has no chat template", message);
        Assert.Contains("Set `chat_template:`", message);
    }

    [Fact]
    public void A_LLaMA_Factory_name_missing_from_dataset_info_is_refused()
    {
        var message = Refusal("lf.yaml", "# lft: gpu=cpu\nmodel_name_or_path: MODEL\nstage: sft\ndo_train: true\nfinetuning_type: lora\ndataset: nowhere\ndataset_dir: .\ncutoff_len: 128\nmax_steps: 2\n",
            d => File.WriteAllText(Path.Combine(d, "dataset_info.json"), """{"other": {"file_name": "x.json"}}"""));
        Assert.Contains("`dataset: nowhere` is not an entry of", message);
    }
}
