using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>The datasets each framework config names, bound into the plan as the trainer reads them, with upstream's defaults.</summary>
public sealed class DatasetSourceBindingTests
{
    private const string Model = "meta-llama/Llama-3.2-1B";

    [Fact]
    public void Axolotl_local_datasets_resolve_against_the_config_folder_with_their_type_template_and_fields()
    {
        using var files = new DialectTestFiles();
        files.Write("data/train.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"output\": \"d\"}\n");
        files.Write("data/chat.jsonl", "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}]}\n");
        files.Write("cfg/axolotl.yml", $"base_model: {Model}\nlearning_rate: 0.0002\nmicro_batch_size: 1\nchat_template: chatml\ntrain_on_inputs: true\nval_set_size: 0.1\ndatasets:\n  - path: ../data/train.jsonl\n    type: alpaca:chatml\n  - path: ../data/chat.jsonl\n    type: chat_template\n    field_messages: conversations\n    message_property_mappings:\n      role: from\n      content: value\n    roles:\n      user: [human]\n      assistant: [gpt]\n    roles_to_train: [gpt]\n");
        var analysis = files.Analyze("cfg/axolotl.yml");
        Assert.True(analysis.Plan is not null, string.Join("; ", analysis.Diagnostics.Select(d => d.Message)));
        var data = analysis.Plan!.Data;
        Assert.Equal(2, data.TrainSources.Count);
        var alpaca = data.TrainSources[0];
        Assert.Null(alpaca.Refusal);
        Assert.Equal([Path.Combine(files.Folder, "data", "train.jsonl")], alpaca.Files);
        Assert.Equal((DatasetFormat.Alpaca, "chatml", true), (alpaca.Format, alpaca.Template, alpaca.TrainOnInputs));
        var chat = data.TrainSources[1];
        Assert.Equal((DatasetFormat.Chat, "chatml", "conversations", "from", "value"), (chat.Format, chat.Template, chat.Fields.Messages, chat.Fields.Role, chat.Fields.Content));
        Assert.Equal("assistant", chat.Fields.Roles["gpt"]);
        Assert.Equal(["assistant"], chat.Fields.RolesToTrain);
        Assert.Equal((0.1, "val_set_size"), (data.HeldOut, data.HeldOutSetting));
        // The local files give the run-time estimate its example count.
        Assert.Equal(3, data.NumExamples);
    }

    [Fact]
    public void Axolotl_hub_datasets_keep_the_editor_quiet_and_carry_the_trainer_refusal()
    {
        using var files = new DialectTestFiles();
        files.Write("axolotl.yml", $"base_model: {Model}\nlearning_rate: 0.0002\nmicro_batch_size: 1\ndatasets:\n  - path: mhenrichsen/alpaca_2k_test\n    type: alpaca\n");
        var analysis = files.Analyze("axolotl.yml");
        Assert.True(analysis.Plan is not null, string.Join("; ", analysis.Diagnostics.Select(d => d.Message)));
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Message.Contains("lft-train", StringComparison.Ordinal));
        var source = analysis.Plan!.Data.TrainSources.Single();
        Assert.Empty(source.Files);
        Assert.Contains("hub dataset", source.Refusal);
    }

    [Fact]
    public void LLaMA_Factory_names_resolve_through_dataset_info_json_with_its_column_and_tag_defaults()
    {
        using var files = new DialectTestFiles();
        files.Write("data/dataset_info.json", """
            {"demo": {"file_name": "demo.json"},
             "chat": {"file_name": "chat.jsonl", "formatting": "sharegpt", "columns": {"messages": "messages"}, "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}},
             "hub": {"hf_hub_url": "llamafactory/alpaca_en"}}
            """);
        files.Write("data/demo.json", "[{\"instruction\": \"a\", \"input\": \"\", \"output\": \"b\"}]");
        files.Write("data/chat.jsonl", "{}\n");
        files.Write("lf.yaml", $"model_name_or_path: {Model}\nstage: sft\ndo_train: true\ndataset: demo, hub\neval_dataset: chat\ntemplate: llama3\n");
        var data = files.Analyze("lf.yaml").Plan!.Data;
        var demo = data.TrainSources[0];
        Assert.Equal((DatasetFormat.Alpaca, "llama3", "instruction", "input", "output"), (demo.Format, demo.Template, demo.Fields.Instruction, demo.Fields.Input, demo.Fields.Output));
        Assert.Equal([Path.Combine(files.Folder, "data", "demo.json")], demo.Files);
        Assert.Contains("`hf_hub_url`", data.TrainSources[1].Refusal);
        var chat = data.EvalSources.Single();
        Assert.Equal((DatasetFormat.Chat, "messages", "role"), (chat.Format, chat.Fields.Messages, chat.Fields.Role));
        Assert.Equal("user", chat.Fields.Roles["user"]);
        Assert.Equal("system", chat.Fields.Roles["system"]);
    }

    [Fact]
    public void TRL_dataset_name_folder_splits_its_files_by_name_and_evaluates_only_with_an_eval_strategy()
    {
        using var files = new DialectTestFiles();
        files.Write("ds/train.jsonl", "{\"text\": \"a\"}\n");
        files.Write("ds/test.jsonl", "{\"text\": \"b\"}\n");
        files.Write("sft.yaml", $"# lft: recipe=sft\nmodel_name_or_path: {Model}\noutput_dir: out\ndataset_name: ./ds\ndataset_text_field: body\neval_strategy: steps\n");
        var analysis = files.Analyze("sft.yaml");
        Assert.True(analysis.Plan is not null, string.Join("; ", analysis.Diagnostics.Select(d => d.Message)));
        var data = analysis.Plan!.Data;
        Assert.Equal([Path.Combine(files.Folder, "ds", "train.jsonl")], data.TrainSources.Single().Files);
        Assert.Equal([Path.Combine(files.Folder, "ds", "test.jsonl")], data.EvalSources.Single().Files);
        Assert.Equal("body", data.TrainSources.Single().Fields.Text);
        files.Write("sft.yaml", $"# lft: recipe=sft\nmodel_name_or_path: {Model}\noutput_dir: out\ndataset_name: ./ds\n");
        Assert.Empty(files.Analyze("sft.yaml").Plan!.Data.EvalSources);
    }

    [Theory]
    [InlineData("train.jsonl", "train")]
    [InlineData("my-eval-2.jsonl", "test")]
    [InlineData("dev.json", "validation")]
    [InlineData("trainer.jsonl", null)]
    public void A_file_name_names_its_split_as_Hugging_Face_datasets_reads_it(string name, string? split) =>
        Assert.Equal(split, Core.Dialects.LocalDatasets.SplitOf(name));
}
