using System.Text.Json.Nodes;
using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

public sealed class HuggingFaceConfigReaderTests
{
    private const string Gpt2Config = """
        {
          "architectures": ["GPT2LMHeadModel"],
          "model_type": "gpt2",
          "n_ctx": 1024,
          "n_embd": 768,
          "n_head": 12,
          "n_inner": null,
          "n_layer": 12,
          "n_positions": 1024,
          "vocab_size": 50257
        }
        """;

    [Fact]
    public void Gpt2Spellings_AreNormalised()
    {
        HuggingFaceConfigResult result = HuggingFaceConfigReader.Read(Gpt2Config);
        Assert.True(result.Success, string.Join("; ", result.Errors));
        ModelArchitecture a = result.Architecture!;
        Assert.Equal(("gpt2", 12, 768, 12, 3072, 1024), (a.ModelType, a.NumHiddenLayers, a.HiddenSize, a.NumAttentionHeads, a.IntermediateSize, a.MaxPositionEmbeddings));
        Assert.True(a.TieWordEmbeddings); // PretrainedConfig's default
        Assert.Equal(124_439_808L, ModelStructureBuilder.Build(a).TotalParameters);
    }

    [Fact]
    public void FalconRefinedWebSpellings_AreNormalised()
    {
        const string Falcon40B = """{ "model_type": "RefinedWeb", "n_layer": 60, "hidden_size": 8192, "n_head": 128, "n_head_kv": 8, "vocab_size": 65024, "bias": false, "parallel_attn": true }""";
        ModelArchitecture a = HuggingFaceConfigReader.Read(Falcon40B).Architecture!;
        Assert.Equal(("falcon", 8, true, 4 * 8192), (a.ModelType, a.KeyValueHeads, a.NewDecoderArchitecture, a.IntermediateSize));

        const string Falcon7B = """{ "model_type": "falcon", "num_hidden_layers": 32, "hidden_size": 4544, "num_attention_heads": 71, "multi_query": true, "vocab_size": 65024 }""";
        Assert.Equal(1, HuggingFaceConfigReader.Read(Falcon7B).Architecture!.KeyValueHeads);
    }

    [Fact]
    public void OptFfnDim_IsIntermediateSize()
    {
        var node = new JsonObject
        {
            ["model_type"] = "opt",
            ["num_hidden_layers"] = 12,
            ["hidden_size"] = 768,
            ["ffn_dim"] = 3072,
            ["num_attention_heads"] = 12,
            ["vocab_size"] = 50272,
            ["max_position_embeddings"] = 2048,
            ["word_embed_proj_dim"] = 768,
        };
        HuggingFaceConfigResult result = HuggingFaceConfigReader.Read(node);
        Assert.True(result.Success, string.Join("; ", result.Errors));
        Assert.Equal(125_239_296L, ModelStructureBuilder.Build(result.Architecture!).TotalParameters);
    }

    [Fact]
    public void FamilyDefaults_ForTiedEmbeddings()
    {
        const string Llama = """{ "model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "vocab_size": 100 }""";
        Assert.False(HuggingFaceConfigReader.Read(Llama).Architecture!.TieWordEmbeddings);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public void BadJson_GivesErrorsNotExceptions(string json)
    {
        HuggingFaceConfigResult result = HuggingFaceConfigReader.Read(json);
        Assert.False(result.Success);
        Assert.Null(result.Architecture);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void MissingAndMistypedKeys_AreAllReported()
    {
        const string Json = """{ "model_type": "llama", "hidden_size": "4096", "num_attention_heads": 32, "vocab_size": 32000, "tie_word_embeddings": "no" }""";
        HuggingFaceConfigResult result = HuggingFaceConfigReader.Read(Json);
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Contains("'hidden_size' must be an integer", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("missing key 'num_hidden_layers'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("missing key 'intermediate_size'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("'tie_word_embeddings' must be true or false", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingModelType_IsInferredFromArchitectures_OrReported()
    {
        const string Inferred = """{ "architectures": ["MistralForCausalLM"], "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "vocab_size": 100 }""";
        Assert.Equal("mistral", HuggingFaceConfigReader.Read(Inferred).Architecture!.ModelType);

        HuggingFaceConfigResult missing = HuggingFaceConfigReader.Read("""{ "hidden_size": 64 }""");
        Assert.Contains(missing.Errors, e => e.Contains("model_type", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownModelType_WarnsAndUsesLlamaLayout()
    {
        const string Json = """{ "model_type": "mystery", "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "vocab_size": 100 }""";
        HuggingFaceConfigResult result = HuggingFaceConfigReader.Read(Json);
        Assert.True(result.Success);
        Assert.Contains(result.Warnings, w => w.Contains("mystery", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadFolder_ReadsConfigJson_AndExplainsMissingPieces()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lft-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            HuggingFaceConfigResult noFile = HuggingFaceConfigReader.ReadFolder(folder);
            Assert.Contains(noFile.Errors, e => e.Contains("has no config.json", StringComparison.Ordinal));

            File.WriteAllText(Path.Combine(folder, "config.json"), "{ broken");
            HuggingFaceConfigResult broken = HuggingFaceConfigReader.ReadFolder(folder);
            Assert.Contains(broken.Errors, e => e.Contains("not valid JSON", StringComparison.Ordinal));

            File.WriteAllText(Path.Combine(folder, "config.json"), Gpt2Config);
            HuggingFaceConfigResult ok = HuggingFaceConfigReader.ReadFolder(folder);
            Assert.True(ok.Success, string.Join("; ", ok.Errors));
            Assert.Equal(768, ok.Architecture!.HiddenSize);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        HuggingFaceConfigResult gone = HuggingFaceConfigReader.ReadFolder(folder);
        Assert.Contains(gone.Errors, e => e.Contains("does not exist", StringComparison.Ordinal));
    }
}
