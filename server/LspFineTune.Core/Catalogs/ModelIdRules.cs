using System.Text.RegularExpressions;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// One way a derived hub id differs from its base model's: a suffix (<c>-bnb-4bit</c>, <c>-Instruct</c>, <c>-2507</c>)
/// or a prefix (<c>Meta-</c>) that leaves the architecture as it is. <see cref="Meaning"/> is what the hover says was
/// stripped; <see cref="Stored"/> the weight format it implies; <see cref="Refusal"/> why such a checkpoint cannot be
/// fine-tuned at all.
/// </summary>
public sealed record IdRule(Regex Pattern, string Meaning, string Source)
{
    public StoredQuantization? Stored { get; init; }

    public string? Refusal { get; init; }

    /// <summary>A storage dtype the name states (bf16, fp16): weights 16-bit, nothing quantized.</summary>
    public bool StatesDtype { get; init; }
}

/// <summary>An organisation that re-uploads other authors' models (mirrors, quantizations), with what the hover says of it.</summary>
public sealed record ReuploadOrganisation(string Name, string Meaning, string Source)
{
    /// <summary>Only a re-uploader for ids with a quantization suffix (NVIDIA also publishes its own models).</summary>
    public bool OnlyWhenQuantized { get; init; }
}

/// <summary>
/// The ordered rules <see cref="ModelIdentity"/> applies to a hub id's name, each with what it means. General, not per
/// id: a new quantized upload of a catalog model resolves without touching the catalog. Suffixes are stripped from the
/// end one at a time (so <c>-Instruct-2507</c> loses <c>-2507</c>, then <c>-Instruct</c>); the first rule that matches
/// wins, so the longer spellings come first (<c>-unsloth-bnb-4bit</c> before <c>-bnb-4bit</c>, <c>-bnb-nf4-bf16</c>
/// before <c>-bf16</c>).
/// </summary>
public static class ModelIdRules
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private static Regex Suffix(string pattern) => new("[-_.](?:" + pattern + ")$", Options);

    public static readonly IReadOnlyList<IdRule> Suffixes =
    [
        // Formats these frameworks cannot fine-tune.
        new(Suffix("gguf"), "GGUF files", "llama.cpp's GGUF is an inference format; transformers' from_pretrained reads a GGUF repository only with gguf_file=, dequantized to fp32, which none of axolotl, LLaMA-Factory, TRL or torchtune pass")
        {
            Refusal = "holds GGUF files, llama.cpp's inference format: axolotl, LLaMA-Factory, TRL and torchtune fine-tune safetensors checkpoints with a config.json, which a GGUF repository lacks",
        },

        // Stored quantizations: the frozen base stays in this format under an adapter.
        new(Suffix("unsloth[-_]bnb[-_]4bit"), "weights stored 4-bit (bitsandbytes nf4; Unsloth's dynamic quantization keeps a few layers 16-bit, counted 4-bit here)", "huggingface.co/unsloth: *-unsloth-bnb-4bit are \"Unsloth Dynamic 4-bit\" uploads") { Stored = StoredQuantization.BitsAndBytes4 },
        new(Suffix("bnb[-_]nf4[-_](?:bf16|fp16)"), "weights stored 4-bit (bitsandbytes nf4, 16-bit compute)", "axolotl-quants and hugging-quants uploads: quantization_config bnb_4bit_quant_type nf4, the trailing dtype is bnb_4bit_compute_dtype") { Stored = StoredQuantization.BitsAndBytes4 },
        new(Suffix("bnb[-_]nf4|bnb[-_]4bit|bnb[-_]4bits"), "weights stored 4-bit (bitsandbytes nf4)", "unsloth/*-bnb-4bit config.json: quantization_config quant_method bitsandbytes, load_in_4bit true, bnb_4bit_quant_type nf4") { Stored = StoredQuantization.BitsAndBytes4 },
        new(Suffix("bnb[-_]8bit|bnb[-_]int8"), "weights stored 8-bit (bitsandbytes LLM.int8())", "bitsandbytes load_in_8bit uploads") { Stored = StoredQuantization.BitsAndBytes8 },
        new(Suffix("gptq[-_]int8|gptq[-_]8bit"), "weights stored 8-bit (GPTQ)", "Qwen's -GPTQ-Int8 uploads (quantization_config quant_method gptq, bits 8)") { Stored = StoredQuantization.Gptq8 },
        new(Suffix("gptq(?:[-_]int4|[-_]4bit)?"), "weights stored 4-bit (GPTQ)", "TheBloke's and TechxGenus' -GPTQ and Qwen's -GPTQ-Int4 uploads (quantization_config quant_method gptq, bits 4)") { Stored = StoredQuantization.Gptq4 },
        new(Suffix("awq"), "weights stored 4-bit (AWQ)", "TheBloke's, TechxGenus' and Qwen's -AWQ uploads (quantization_config quant_method awq, bits 4)") { Stored = StoredQuantization.Awq4 },
        new(Suffix("fp8(?:[-_]dynamic|[-_]block)?"), "weights stored FP8", "neuralmagic/RedHatAI -FP8(-Dynamic) (compressed-tensors) and -FP8 (fine-grained FP8) uploads") { Stored = StoredQuantization.Fp8 },
        new(Suffix("nvfp4"), "weights stored NVFP4 (4-bit floating point)", "nvidia/*-NVFP4 uploads (TensorRT Model Optimizer, quant_algo NVFP4)") { Stored = StoredQuantization.Nvfp4 },
        new(Suffix("aqlm[-_]2bit[-_](?:1x16|2x8)(?:[-_]hf)?"), "weights stored 2-bit (AQLM)", "ISTA-DASLab/*-AQLM-2Bit-1x16 and -2x8 uploads: 16 code bits per group of 8 weights") { Stored = StoredQuantization.Aqlm2Bit },

        // Storage layouts and dtypes that leave the weights 16-bit.
        new(Suffix("linearized"), "mixture-of-experts weights split into one linear layer per expert (so bitsandbytes can quantize them), same parameters", "axolotl-quants/Llama-4-*-Linearized model cards"),
        new(Suffix("dequantized"), "weights dequantized to bf16 (no quantization)", "axolotl-ai-co/gpt-oss-120b-dequantized: openai/gpt-oss-120b's MXFP4 experts stored in bf16") { StatesDtype = true },
        new(Suffix("bf16|fp16|fp32|float16|bfloat16"), "weights stored in 16-bit (the dtype the name states)", "re-uploads that name their dtype (axolotl-ai-co/*-BF16, casperhansen/llama-3-70b-fp16)") { StatesDtype = true },
        new(Suffix("hf"), "converted to the transformers format", "meta-llama/Llama-2-*-hf: the transformers conversion of Meta's checkpoint"),
        new(Suffix("deduped"), "trained on the deduplicated data, same architecture", "EleutherAI/pythia-*-deduped model cards: the same models trained on the deduplicated Pile"),
        new(Suffix("2of4"), "2:4 sparse weights stored dense (same shapes and bytes)", "neuralmagic/Sparse-Llama-3.1-8B-2of4 model card: 2:4 sparsity pattern in the weights of Llama-3.1-8B"),

        // Post-training variants and updates with the base model's architecture.
        new(Suffix("instruct|chat|it|base|pt|sft|dpo|rl"), "a post-trained (or base) variant with the same architecture", "model cards: instruct/chat/it variants are fine-tuned from the base model without changing its config.json shape"),
        new(Suffix(@"\d{2}[-_]\d{4}"), "a dated update with the same architecture", "CohereForAI/c4ai-command-r7b-12-2024 style dates"),
        new(Suffix(@"\d{4}"), "a dated update with the same architecture", "dated re-releases such as Qwen/Qwen3-4B-Instruct-2507 and mistralai/Magistral-Small-2506 keep the architecture of their first release"),
    ];

    /// <summary>"-Instruct" or "-Chat" before a version ("Mistral-7B-Instruct-v0.2"): the same removal in the middle.</summary>
    public static readonly IdRule VariantBeforeVersion = new(new Regex(@"[-_](?:instruct|chat)(?=[-_]v\d)", Options),
        "a post-trained variant with the same architecture", "mistralai/Mistral-7B-Instruct-v0.2 is fine-tuned from Mistral-7B-v0.2");

    /// <summary>Neural Magic's pruned uploads ("Sparse-Llama-3.1-8B-2of4"): the base model's shapes.</summary>
    public static readonly IdRule SparsePrefix = new(new Regex(@"^sparse[-_]", Options),
        "a pruned upload of the base model", "huggingface.co/neuralmagic: Sparse-Llama-3.1-8B-2of4");

    /// <summary>Meta's earlier spelling of its Llama repositories ("Meta-Llama-3.1-8B", renamed "Llama-3.1-8B").</summary>
    public static readonly IdRule MetaPrefix = new(new Regex(@"^meta[-_](?=llama)", Options),
        "Meta's earlier spelling of the repository name", "huggingface.co/meta-llama: Meta-Llama-3.1-8B was renamed Llama-3.1-8B (the hub redirects)");

    public static readonly IReadOnlyList<ReuploadOrganisation> Organisations =
    [
        new("unsloth", "Unsloth's re-upload", "huggingface.co/unsloth"),
        new("axolotl-quants", "axolotl's quantized re-upload", "huggingface.co/axolotl-quants"),
        new("axolotl-ai-co", "axolotl's re-upload", "huggingface.co/axolotl-ai-co"),
        new("NousResearch", "NousResearch's ungated mirror", "huggingface.co/NousResearch (mirrors of Meta's Llama checkpoints)"),
        new("hugging-quants", "Hugging Face's quantized re-upload", "huggingface.co/hugging-quants"),
        new("TechxGenus", "TechxGenus' quantized re-upload", "huggingface.co/TechxGenus"),
        new("TheBloke", "TheBloke's quantized re-upload", "huggingface.co/TheBloke"),
        new("nvidia", "NVIDIA's quantized checkpoint", "huggingface.co/nvidia (*-NVFP4, *-FP8 from TensorRT Model Optimizer)") { OnlyWhenQuantized = true },
        new("alpindale", "an ungated mirror", "huggingface.co/alpindale (mirrors of gated Llama checkpoints)"),
        new("casperhansen", "Casper Hansen's re-upload", "huggingface.co/casperhansen (AutoAWQ's author; AWQ and fp16 uploads)"),
        new("mhenrichsen", "an ungated mirror", "huggingface.co/mhenrichsen"),
        new("ISTA-DASLab", "ISTA-DASLab's quantized re-upload", "huggingface.co/ISTA-DASLab (AQLM authors)"),
        new("neuralmagic", "Neural Magic's quantized re-upload", "huggingface.co/neuralmagic"),
        new("RedHatAI", "Red Hat AI's quantized re-upload", "huggingface.co/RedHatAI (formerly neuralmagic)"),
        new("huggyllama", "a transformers conversion of Meta's LLaMA", "huggingface.co/huggyllama"),
        new("mistral-community", "a conversion of Mistral's original checkpoint", "huggingface.co/mistral-community"),
    ];

    public static ReuploadOrganisation? Organisation(string? name) =>
        name is null ? null : Organisations.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));
}
