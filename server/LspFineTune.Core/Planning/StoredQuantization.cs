namespace LspFineTune.Core.Planning;

/// <summary>
/// How a pre-quantized checkpoint stores its block linear weights (an <c>unsloth/…-bnb-4bit</c>, <c>…-GPTQ</c>,
/// <c>…-AWQ</c>, <c>…-FP8</c>, <c>…-NVFP4</c> upload): the frozen base of an adapter run stays in this format whatever the
/// config's own <c>load_in_4bit</c> says, so the estimate counts these bytes per weight (embeddings, norms and the output
/// head stay 16-bit in every format here). <see cref="Quantization"/> is the config's load-time choice; this is the file's.
/// </summary>
/// <param name="Name">What a hover says: "4-bit (bitsandbytes nf4)".</param>
/// <param name="BytesPerWeight">Storage per block weight, its scales and zero points included.</param>
/// <param name="Source">Where the layout comes from, as the house rules ask.</param>
/// <param name="Assumption">What the estimate assumes that the id does not say (group size, codebooks left out); null when nothing.</param>
public sealed record StoredQuantization(string Name, double BytesPerWeight, string Source, string? Assumption = null)
{
    /// <summary>bitsandbytes 4-bit: the layout QLoRA loads, so the bytes are <see cref="Quantization.Nf4"/>'s.</summary>
    public static readonly StoredQuantization BitsAndBytes4 = new("4-bit (bitsandbytes nf4)", 0.5 + 1.0 / 64 + 4.0 / (64 * 256),
        "QLoRA (Dettmers et al. 2023) §2: 4-bit NF4 + double-quantized constants; unsloth's and axolotl-quants' bnb-4bit config.json quantization_config: bnb_4bit_quant_type nf4, bnb_4bit_use_double_quant true");

    /// <summary>bitsandbytes 8-bit (LLM.int8()): 1 B per weight, the per-row scale folded in as <see cref="Quantization.Int8"/> does.</summary>
    public static readonly StoredQuantization BitsAndBytes8 = new("8-bit (bitsandbytes LLM.int8())", 1.0,
        "LLM.int8() (Dettmers et al. 2022): int8 weights with one fp32 scale per output row");

    /// <summary>GPTQ 4-bit: packed int4 weights, an fp16 scale and a packed 4-bit zero point per group of 128 inputs.</summary>
    public static readonly StoredQuantization Gptq4 = new("4-bit (GPTQ)", 0.5 + (2 + 0.5) / 128,
        "GPTQ (Frantar et al. 2023); AutoGPTQ QuantLinear stores qweight (packed int4), qzeros (packed 4-bit) and fp16 scales per group; transformers GPTQConfig group_size defaults to 128",
        "GPTQ's group size is not in the id: 128 (GPTQConfig's default) is assumed");

    /// <summary>GPTQ 8-bit: int8 weights with a group's fp16 scale and 8-bit zero point.</summary>
    public static readonly StoredQuantization Gptq8 = new("8-bit (GPTQ)", 1.0 + (2 + 1.0) / 128,
        "GPTQ (Frantar et al. 2023); transformers GPTQConfig bits 8, group_size defaults to 128",
        "GPTQ's group size is not in the id: 128 (GPTQConfig's default) is assumed");

    /// <summary>AWQ: 4-bit weights, an fp16 scale and a 4-bit zero point per group of 128 (AutoAWQ's default quant_config).</summary>
    public static readonly StoredQuantization Awq4 = new("4-bit (AWQ)", 0.5 + (2 + 0.5) / 128,
        "AWQ (Lin et al. 2024); AutoAWQ's default quant_config {w_bit: 4, q_group_size: 128, zero_point: true}; WQLinear stores qweight, qzeros (packed 4-bit) and fp16 scales per group",
        "AWQ's group size is not in the id: 128 (AutoAWQ's default) is assumed");

    /// <summary>FP8 e4m3: 1 B per weight; the block (128 x 128) or per-channel scales are under 0.1% and folded in.</summary>
    public static readonly StoredQuantization Fp8 = new("8-bit floating point (FP8 e4m3)", 1.0,
        "transformers integrations/finegrained_fp8.py (float8_e4m3fn weights, one fp32 scale per 128 x 128 block); compressed-tensors FP8 (per-channel scales)",
        "FP8 weights are counted at 1 B each; transformers' fine-grained FP8 quantizer is not trainable (is_trainable False), so an adapter run may need the weights dequantized to 16-bit (2 B each) instead");

    /// <summary>NVFP4: 4-bit e2m1 values with one FP8 e4m3 scale per 16 (the per-tensor fp32 scale is negligible): 4.5 bits.</summary>
    public static readonly StoredQuantization Nvfp4 = new("4-bit floating point (NVFP4)", 0.5 + 1.0 / 16,
        "NVIDIA, \"Introducing NVFP4 for Efficient and Accurate Low-Precision Inference\" (2025): e2m1 elements, an e4m3 scale per 16-element block and an fp32 per-tensor scale");

    /// <summary>AQLM with one 16-bit codebook over groups of 8 weights ("1x16"): 2 bits per weight.</summary>
    public static readonly StoredQuantization Aqlm2Bit = new("2-bit (AQLM 1x16)", 16.0 / 8 / 8,
        "AQLM (Egiazarian et al. 2024): M codebooks of B bits over groups of 8 weights; 1x16 = one 16-bit code per 8 weights",
        "AQLM's codebooks (2^16 x 8 fp16 values, 1 MiB per linear layer) and scales are not counted, only the 2 bits per weight");
}
