using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Dialects.Native;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Planning;

public class PlanBinderTests
{
    private static DialectBinding Bind(string yaml, BindingOptions? options = null) =>
        NativeDialect.Instance.Bind(DocumentContext.Of(yaml, ConfigParser.Parse(yaml), options?.DocumentPath), options ?? new BindingOptions());

    [Fact]
    public void Applies_documented_defaults_and_resolves_catalog_ids_case_insensitively()
    {
        var result = Bind("model:\n  name: Meta-Llama/Llama-2-7B-HF\n");
        var plan = Assert.IsType<TrainingPlan>(result.Plan);
        Assert.Equal("llama-2-7b", plan.Model.Id);
        Assert.Equal(WeightDtype.Bf16, plan.Model.Dtype);
        Assert.Equal("a100-80gb", plan.Hardware.Gpu.Id);
        Assert.Equal(FineTuneMethod.Full, plan.Method.Type);
        Assert.Equal(2048, plan.Training.SequenceLength);
        Assert.Equal(AttentionKind.Sdpa, plan.Training.Attention);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Unknown_model_and_gpu_get_a_suggestion_at_the_value()
    {
        var result = Bind("model:\n  name: lama-2-7b\nhardware:\n  gpu: a100-80\n");
        Assert.Null(result.Plan);
        var model = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCodes.UnknownModel);
        Assert.Contains("Did you mean `llama-2-7b`?", model.Message);
        Assert.Equal(1, model.Range.Start.Line);
        Assert.Equal(8, model.Range.Start.Character);
        var gpu = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCodes.UnknownGpu);
        Assert.Equal("a100-80gb", gpu.Data["suggestion"]);
    }

    [Fact]
    public void Exactly_one_model_source_is_required()
    {
        Assert.Contains(Bind("model:\n  dtype: bf16\n").Diagnostics, d => d.Code == DiagnosticCodes.ModelSourceCount);
        var both = Bind("model:\n  name: gpt2\n  path: ./x\n");
        var conflict = Assert.Single(both.Diagnostics, d => d.Code == DiagnosticCodes.ModelSourceCount);
        Assert.Equal(2, conflict.Range.Start.Line);
    }

    [Fact]
    public void An_inline_architecture_with_a_misspelt_model_type_is_told_the_family_it_nearly_names()
    {
        var bound = Bind("model:\n  architecture: { model_type: mistrall, num_hidden_layers: 2, hidden_size: 64, intermediate_size: 172, num_attention_heads: 8, vocab_size: 512 }\n");
        var note = Assert.Single(bound.Diagnostics, d => d.Code == DiagnosticCodes.InvalidArchitecture);
        Assert.Contains("Did you mean `mistral`?", note.Message);
    }

    [Fact]
    public void Inline_architecture_and_local_folder_bind_like_a_catalog_model()
    {
        var inline = Bind("model:\n  architecture: { model_type: llama, num_hidden_layers: 2, hidden_size: 64, intermediate_size: 172, num_attention_heads: 8, num_key_value_heads: 4, vocab_size: 512, tie_word_embeddings: true }\n");
        Assert.Equal(4, Assert.IsType<TrainingPlan>(inline.Plan).Model.Architecture.KeyValueHeads);

        var folder = Directory.CreateTempSubdirectory("lft-model-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "config.json"), """{"model_type":"gpt2","n_layer":2,"n_embd":64,"n_head":4,"vocab_size":100,"n_positions":128}""");
            var config = Path.Combine(folder.Parent!.FullName, "cfg.lft.yaml");
            var bound = Bind($"model:\n  path: ./{folder.Name}\n", new BindingOptions { DocumentPath = config });
            Assert.Equal(256, Assert.IsType<TrainingPlan>(bound.Plan).Model.Architecture.IntermediateSize);
            var missing = Bind("model:\n  path: ./no-such-model\n", new BindingOptions { DocumentPath = config });
            Assert.Contains(missing.Diagnostics, d => d.Code == DiagnosticCodes.ModelPathUnreadable);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Data_file_size_feeds_the_runtime_and_a_missing_file_is_reported()
    {
        var folder = Directory.CreateTempSubdirectory("lft-data-");
        try
        {
            var lines = Enumerable.Range(0, 10).Select(i => $$"""{"text": "{{new string('a', 400)}}"}""");
            File.WriteAllLines(Path.Combine(folder.FullName, "train.jsonl"), lines);
            var config = Path.Combine(folder.FullName, "c.lft.yaml");
            var plan = Bind("model: { name: gpt2 }\ndata:\n  train: train.jsonl\n", new BindingOptions { DocumentPath = config }).Plan!;
            Assert.Equal(10, plan.Data.NumExamples);
            Assert.Equal(100, plan.Data.MeanTokensPerExample);
            var missing = Bind("model: { name: gpt2 }\ndata:\n  train: nope.jsonl\n", new BindingOptions { DocumentPath = config });
            Assert.Contains(missing.Diagnostics, d => d.Code == DiagnosticCodes.DataFileUnreadable && d.Range.Start.Line == 2);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_LoRA_target_the_model_does_not_have_is_named_with_the_layers_it_has()
    {
        var result = Bind("model: { name: gpt2 }\nmethod:\n  type: lora\n  lora:\n    target_modules: [q_proj, c_attn]\n");
        var warning = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCodes.UnknownLoraTarget);
        Assert.Contains("c_attn", warning.Message);
        Assert.Equal(4, warning.Range.Start.Line);
    }
}
