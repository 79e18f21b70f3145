using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>What a derived hub id says about its base model: the rules of <see cref="ModelIdRules"/> on real ids from the corpus.</summary>
public sealed class ModelIdentityTests
{
    [Theory]
    [InlineData("unsloth/Qwen3-8B-bnb-4bit", "Qwen3-8B")]
    [InlineData("unsloth/Qwen3-8B-unsloth-bnb-4bit", "Qwen3-8B")]
    [InlineData("axolotl-quants/Llama-4-Scout-17B-16E-Linearized-bnb-nf4-bf16", "Llama-4-Scout-17B-16E")]
    [InlineData("hugging-quants/Meta-Llama-3.1-405B-BNB-NF4-BF16", "Llama-3.1-405B")]
    [InlineData("TheBloke/Llama-2-7B-GPTQ", "Llama-2-7B")]
    [InlineData("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", "Qwen2.5-7B")]
    [InlineData("TechxGenus/Meta-Llama-3-8B-Instruct-AWQ", "Llama-3-8B")]
    [InlineData("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8-Dynamic", "Llama-3.1-8B")]
    [InlineData("nvidia/Qwen3-Next-80B-A3B-Instruct-NVFP4", "Qwen3-Next-80B-A3B")]
    [InlineData("ISTA-DASLab/Meta-Llama-3-8B-Instruct-AQLM-2Bit-1x16", "Llama-3-8B")]
    [InlineData("axolotl-ai-co/gpt-oss-120b-dequantized", "gpt-oss-120b")]
    [InlineData("axolotl-ai-co/Mistral-Small-4-119B-2603-BF16", "Mistral-Small-4-119B")]
    [InlineData("deepseek-ai/DeepSeek-V3-0324-BF16", "DeepSeek-V3")]
    [InlineData("casperhansen/llama-3-70b-fp16", "llama-3-70b")]
    [InlineData("Qwen/Qwen3-4B-Instruct-2507", "Qwen3-4B")]
    [InlineData("THUDM/GLM-4-32B-0414", "GLM-4-32B")]
    [InlineData("google/gemma-3-12b-it", "gemma-3-12b")]
    [InlineData("Qwen/Qwen3.5-35B-A3B-Base", "Qwen3.5-35B-A3B")]
    [InlineData("01-ai/Yi-34B-Chat", "Yi-34B")]
    [InlineData("mistralai/Mistral-7B-Instruct-v0.2", "Mistral-7B-v0.2")]
    [InlineData("meta-llama/Llama-2-7b-hf", "Llama-2-7b")]
    [InlineData("CohereForAI/c4ai-command-r7b-12-2024", "c4ai-command-r7b")]
    [InlineData("EleutherAI/pythia-12b-deduped", "pythia-12b")]
    [InlineData("neuralmagic/Sparse-Llama-3.1-8B-2of4", "Llama-3.1-8B")]
    public void Derived_ids_are_stripped_to_their_base_name(string id, string baseName)
    {
        var identity = ModelIdentity.Parse(id);
        Assert.Equal(baseName, identity.BaseName);
        Assert.Contains(baseName, identity.Candidates);
        Assert.True(identity.IsDerived);
    }

    public static TheoryData<string, StoredQuantization?> StoredFormats() => new()
    {
        { "unsloth/Qwen3-8B-bnb-4bit", StoredQuantization.BitsAndBytes4 },
        { "axolotl-quants/DeepSeek-V2.5-bnb-nf4-bf16", StoredQuantization.BitsAndBytes4 },
        { "TheBloke/Llama-2-7B-GPTQ", StoredQuantization.Gptq4 },
        { "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8", StoredQuantization.Gptq8 },
        { "TechxGenus/Meta-Llama-3-8B-Instruct-AWQ", StoredQuantization.Awq4 },
        { "RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8", StoredQuantization.Fp8 },
        { "nvidia/Qwen3-30B-A3B-NVFP4", StoredQuantization.Nvfp4 },
        { "ISTA-DASLab/Meta-Llama-3-8B-Instruct-AQLM-2Bit-1x16", StoredQuantization.Aqlm2Bit },
        // Dequantized and 16-bit uploads store no quantization.
        { "axolotl-ai-co/gpt-oss-120b-dequantized", null },
        { "deepseek-ai/DeepSeek-V3-0324-BF16", null },
        { "Qwen/Qwen3-8B", null },
    };

    [Theory]
    [MemberData(nameof(StoredFormats))]
    public void The_stored_format_comes_from_the_name(string id, StoredQuantization? stored)
    {
        Assert.Equal(stored, ModelIdentity.Parse(id).Stored);
    }

    [Fact]
    public void A_gguf_repository_is_refused_with_the_reason()
    {
        var identity = ModelIdentity.Parse("TheBloke/Llama-2-7B-GGUF");
        Assert.Contains("GGUF", identity.Refusal);
        Assert.Equal("Llama-2-7B", identity.BaseName);
        Assert.Null(ModelIdentity.Parse("meta-llama/Llama-2-7b-hf").Refusal);
    }

    [Fact]
    public void The_hover_text_names_the_base_the_format_and_the_reuploader()
    {
        var identity = ModelIdentity.Parse("unsloth/Qwen3-8B-bnb-4bit");
        Assert.Equal("`unsloth/Qwen3-8B-bnb-4bit`: Qwen/Qwen3-8B's architecture, weights stored 4-bit (bitsandbytes nf4); Unsloth's re-upload",
            identity.Describe("Qwen/Qwen3-8B", "Qwen3-8B"));
        // The base model's own id says nothing beyond it.
        Assert.Null(ModelIdentity.Parse("Qwen/Qwen3-8B").Describe("Qwen/Qwen3-8B", "Qwen/Qwen3-8B"));
    }

    [Fact]
    public void Nvidia_is_a_reuploader_only_of_its_quantized_checkpoints()
    {
        Assert.NotNull(ModelIdentity.Parse("nvidia/Qwen3-30B-A3B-NVFP4").Reupload);
        Assert.Null(ModelIdentity.Parse("nvidia/Nemotron-Mini-4B-Instruct").Reupload);
    }

    [Theory]
    [InlineData("saves/qwen3-4b/full/sft", true)]
    [InlineData("/path/to/DeepSeek-V3.1-source", true)]
    [InlineData("./models/tiny", true)]
    [InlineData("~/models/llama", true)]
    [InlineData(@"C:\models\llama", true)]
    [InlineData("models/Llama-2-7b", false)]
    [InlineData("Qwen/Qwen3-8B", false)]
    [InlineData("gpt2", false)]
    public void Paths_are_told_from_hub_ids(string id, bool isPath)
    {
        Assert.Equal(isPath, ModelIdentity.Parse(id).IsPath);
    }

    [Theory]
    [InlineData("Qwen/Qwen3-8B", "qwen3", "8b")]
    [InlineData("Qwen/Qwen-3-8B", "qwen3", "8b")]
    [InlineData("qwen3-30b-a3b", "qwen3", "30b-a3b")]
    [InlineData("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama3.1", "8b")]
    [InlineData("google/gemma2-9b", "gemma2", "9b")]
    [InlineData("gemma-2-9b", "gemma2", "9b")]
    [InlineData("microsoft/phi4", "phi4", null)]
    [InlineData("phi-3-mini", "phi3", "mini")]
    [InlineData("mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistralsmall3.1", "24b")]
    [InlineData("stabilityai/stablelm-2-1_6b", "stablelm2", "1.6b")]
    [InlineData("deepseek-ai/DeepSeek-V2-Lite", "deepseekv2", "lite")]
    public void Names_split_into_family_and_size(string name, string family, string? size)
    {
        var parts = ModelNameParts.Parse(name);
        Assert.Equal((family, size), (parts.Family, parts.Size));
    }
}
