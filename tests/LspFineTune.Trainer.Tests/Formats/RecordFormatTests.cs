using System.Text.Json;
using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Data.Formats;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Tests.Formats;

/// <summary>
/// Each framework's records, shaped as upstream's examples and docs write them, rendered to the text and loss mask the
/// framework trains on (strings from axolotl@067b021 prompters.py and chat_templates, LLaMA-Factory@ff6d4d1 template.py).
/// </summary>
public sealed class RecordFormatTests
{
    private const int Bos = 1, Eos = 2;
    private static readonly ByteLevelTokenizer Bytes = new();

    /// <summary>The example as text, trained runs in [brackets], BOS/EOS as &lt;s&gt;/&lt;/s&gt;.</summary>
    private static string Show(IRecordFormat format, string json)
    {
        var problem = format.Render(JsonDocument.Parse(json).RootElement, out var example);
        Assert.Null(problem);
        var encoder = new ExampleEncoder(Bytes, Bos, Eos, 4096);
        Assert.Null(encoder.Encode(example!, out var encoded));
        var tokens = encoded.Single();
        var text = new System.Text.StringBuilder();
        var inTarget = false;
        for (var i = 0; i < tokens.Ids.Length; i++)
        {
            if (tokens.IsTarget[i] != inTarget)
            {
                text.Append(tokens.IsTarget[i] ? '[' : ']');
                inTarget = tokens.IsTarget[i];
            }
            text.Append(tokens.Ids[i] switch { Bos => "<s>", Eos => "</s>", var id => Bytes.Decode([id]) });
        }
        return inTarget ? text.Append(']').ToString() : text.ToString();
    }

    private static string? Problem(IRecordFormat format, string json) => format.Render(JsonDocument.Parse(json).RootElement, out _);

    [Fact]
    public void Axolotl_alpaca_with_an_input_has_the_input_system_prompt_and_is_trained_on_the_output_and_EOS()
    {
        var shown = Show(new AxolotlAlpaca("instruct", trainOnInputs: false),
            """{"instruction": "Give three tips for staying healthy.", "input": "Be brief.", "output": "Eat well."}""");
        Assert.Equal("<s>Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nGive three tips for staying healthy.\n\n### Input:\nBe brief.\n\n### Response:\n[Eat well.</s>]", shown);
    }

    [Fact]
    public void Axolotl_alpaca_without_input_uses_the_no_input_prompt_and_train_on_inputs_trains_the_prompt_too()
    {
        var shown = Show(new AxolotlAlpaca("instruct", trainOnInputs: true), """{"instruction": "Say hi.", "input": "", "output": "Hi."}""");
        Assert.Equal("<s>[Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi.\n\n### Response:\nHi.</s>]", shown);
        Assert.Equal("<s><|im_start|>system\nBelow is an instruction that describes a task. Write a response that appropriately completes the request.<|im_end|>\n<|im_start|>user\nSay hi.<|im_end|>\n<|im_start|>assistant\n[Hi.</s>]",
            Show(new AxolotlAlpaca("chatml", trainOnInputs: false), """{"instruction": "Say hi.", "output": "Hi."}"""));
    }

    [Fact]
    public void Axolotl_completion_reads_its_field_and_splits_a_long_text_into_examples_of_the_sequence_length()
    {
        Assert.Equal("<s>[Once upon a time.</s>]", Show(new AxolotlCompletion("story"), """{"story": "Once upon a time."}"""));
        Assert.Contains("no \"text\"", Problem(new AxolotlCompletion("text"), """{"story": "x"}"""));
        new AxolotlCompletion("text").Render(JsonDocument.Parse("""{"text": "abcdefghij"}""").RootElement, out var example);
        Assert.Null(new ExampleEncoder(Bytes, Bos, Eos, maxTokens: 5).Encode(example!, out var windows));
        // BOS + 10 bytes + EOS = 12 tokens, in windows of 4 (sequence_len): every token is kept, none is cut off.
        Assert.Equal([4, 4, 4], windows.Select(w => w.Ids.Length));
    }

    private static DatasetFields AxolotlChatFields(string trainOnEos = "turn") => new()
    {
        Roles = new Dictionary<string, string> { ["human"] = "user", ["user"] = "user", ["gpt"] = "assistant", ["assistant"] = "assistant", ["system"] = "system" },
        TrainOnEos = trainOnEos,
    };

    [Fact]
    public void Axolotl_chat_template_trains_the_assistant_content_and_its_end_of_turn_only()
    {
        const string Record = """{"messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}""";
        Assert.Equal("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n[Hello!<|im_end|>]\n",
            Show(new AxolotlChat("chatml", AxolotlChatFields(), trainOnInputs: false), Record));
        Assert.Equal("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n[Hello!]<|im_end|>\n",
            Show(new AxolotlChat("chatml", AxolotlChatFields("none"), trainOnInputs: false), Record));
        Assert.Equal("<s><|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n[Hello!<|eot_id|>]",
            Show(new AxolotlChat("llama3", AxolotlChatFields(), trainOnInputs: false), Record));
        Assert.Equal("<s>Be kind.\n\n### Instruction:\nHi\n\n### Response:\n[Hello!</s>]",
            Show(new AxolotlChat("alpaca", AxolotlChatFields(), trainOnInputs: false), Record));
    }

    [Fact]
    public void Axolotl_chat_template_maps_sharegpt_style_fields_and_roles()
    {
        var fields = AxolotlChatFields() with { Messages = "conversations", Role = "from", Content = "value" };
        Assert.Equal("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n[4<|im_end|>]\n",
            Show(new AxolotlChat("chatml", fields, trainOnInputs: false), """{"conversations": [{"from": "human", "value": "What is 2+2?"}, {"from": "gpt", "value": "4"}]}"""));
        Assert.Contains("no \"conversations\" list", Problem(new AxolotlChat("chatml", fields, false), """{"messages": []}"""));
    }

    private static readonly DatasetFields LlamaFactoryAlpaca = new();

    [Fact]
    public void LLaMA_Factory_alpaca_joins_instruction_and_input_and_renders_the_template_with_its_default_system()
    {
        var alpaca = LlamaFactoryTemplate.Find("alpaca")!;
        Assert.Equal("Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate.\nBonjour\n\n### Response:\n[Hello</s>\n\n]",
            Show(new LlamaFactoryRecords(DatasetFormat.Alpaca, LlamaFactoryAlpaca, alpaca, trainOnPrompt: false), """{"instruction": "Translate.", "input": "Bonjour", "output": "Hello"}"""));
        Assert.Equal("Human: Hi</s>\nAssistant:[Hello</s>\n]",
            Show(new LlamaFactoryRecords(DatasetFormat.Alpaca, LlamaFactoryAlpaca, LlamaFactoryTemplate.Find("default")!, false), """{"instruction": "Hi", "input": "", "output": "Hello"}"""));
    }

    [Fact]
    public void LLaMA_Factory_alpaca_history_becomes_earlier_turns_each_trained_on_its_response()
    {
        var fields = LlamaFactoryAlpaca with { History = "history", System = "system" };
        Assert.Equal("<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nA<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n[a<|eot_id|>]<|start_header_id|>user<|end_header_id|>\n\nB<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n[b<|eot_id|>]",
            Show(new LlamaFactoryRecords(DatasetFormat.Alpaca, fields, LlamaFactoryTemplate.Find("llama3")!, false), """{"instruction": "B", "output": "b", "system": "Be brief.", "history": [["A", "a"]]}"""));
    }

    private static readonly DatasetFields Sharegpt = new()
    {
        Messages = "conversations", Role = "from", Content = "value",
        Roles = new Dictionary<string, string> { ["human"] = "user", ["gpt"] = "assistant", ["observation"] = "observation", ["function_call"] = "function", ["system"] = "system" },
    };

    [Fact]
    public void LLaMA_Factory_sharegpt_takes_a_leading_system_turn_and_refuses_turns_out_of_order_as_the_converter_does()
    {
        var qwen = new LlamaFactoryRecords(DatasetFormat.Chat, Sharegpt, LlamaFactoryTemplate.Find("qwen")!, trainOnPrompt: false);
        Assert.Equal("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n[Hello<|im_end|>\n]",
            Show(qwen, """{"conversations": [{"from": "system", "value": "Be kind."}, {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}"""));
        Assert.Equal("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n[Hello<|im_end|>\n]",
            Show(qwen, """{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}"""));
        Assert.Contains("invalid role tag", Problem(qwen, """{"conversations": [{"from": "gpt", "value": "Hello"}, {"from": "human", "value": "Hi"}]}"""));
        Assert.Contains("invalid message count", Problem(qwen, """{"conversations": [{"from": "human", "value": "Hi"}]}"""));
    }

    [Fact]
    public void TRL_records_train_on_the_completion_or_the_text_field_and_refuse_conversations_with_what_to_do()
    {
        var trl = new TrlRecords(new DatasetFields { Text = "content" }, trainOnInputs: false);
        Assert.Equal("<s>The sky is[ blue.</s>]", Show(trl, """{"prompt": "The sky is", "completion": " blue."}"""));
        Assert.Equal("<s>[Plain text.</s>]", Show(trl, """{"content": "Plain text."}"""));
        var error = Assert.Throws<TrainerException>(() => trl.Render(JsonDocument.Parse("""{"messages": [{"role": "user", "content": "Hi"}]}""").RootElement, out _));
        Assert.Contains("prompt/completion or text", error.Message);
    }
}
