using System.Text.Json;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The stored weight format a pre-quantized checkpoint's config.json declares in <c>quantization_config</c>
/// (transformers utils/quantization_config.py: quant_method bitsandbytes | gptq | awq | fp8 | aqlm, and
/// TensorRT Model Optimizer's modelopt with quant_algo), so a folder or cache snapshot of such a model is estimated in
/// its format, as its name would be (<see cref="ModelIdRules"/>). Unknown methods read as none: the name still decides.
/// </summary>
public static class QuantizationConfigReader
{
    public static StoredQuantization? ReadFolder(string folder, IAuxiliaryFiles files) =>
        files.Derive(Path.Combine(folder, HuggingFaceConfigReader.ConfigFileName), "quantization_config", Read, out _)?.Stored;

    private static Holder Read(Stream stream)
    {
        try
        {
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return new Holder(document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("quantization_config", out var config)
                ? Read(config)
                : null);
        }
        catch (JsonException)
        {
            return new Holder(null);
        }
    }

    public static StoredQuantization? Read(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object)
            return null;
        int? Int(string key) => config.TryGetProperty(key, out var v) && v.TryGetInt32(out var i) ? i : null;
        bool True(string key) => config.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;
        string? Text(string key) => config.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        switch (Text("quant_method")?.ToLowerInvariant())
        {
            case "bitsandbytes":
                return True("load_in_4bit") ? StoredQuantization.BitsAndBytes4 : True("load_in_8bit") ? StoredQuantization.BitsAndBytes8 : null;
            case "gptq" or "awq":
                var bits = Int("bits") ?? Int("w_bit") ?? 4;
                var group = Int("group_size") ?? Int("q_group_size") ?? 128;
                var known = Text("quant_method") == "awq" ? StoredQuantization.Awq4 : bits == 8 ? StoredQuantization.Gptq8 : StoredQuantization.Gptq4;
                // Packed weights, and per group an fp16 scale and a packed zero point of the same bits (group_size -1: one per row, negligible).
                var perWeight = bits / 8.0 + (group > 0 ? (2 + bits / 8.0) / group : 0);
                return known with
                {
                    Name = $"{bits}-bit ({(Text("quant_method") == "awq" ? "AWQ" : "GPTQ")})",
                    BytesPerWeight = perWeight,
                    Assumption = null,
                };
            case "fp8":
                return StoredQuantization.Fp8;
            case "aqlm":
                var codebooks = Int("num_codebooks") ?? 1;
                var codeBits = Int("nbits_per_codebook") ?? 16;
                var inGroup = Int("in_group_size") ?? 8;
                return StoredQuantization.Aqlm2Bit with
                {
                    Name = $"{codebooks * codeBits / (double)inGroup:0.##}-bit (AQLM {codebooks}x{codeBits})",
                    BytesPerWeight = codebooks * codeBits / (double)inGroup / 8,
                };
            case "modelopt":
                var algorithm = (Text("quant_algo") ?? "").ToUpperInvariant();
                return algorithm.Contains("NVFP4", StringComparison.Ordinal) ? StoredQuantization.Nvfp4
                    : algorithm.Contains("FP8", StringComparison.Ordinal) ? StoredQuantization.Fp8
                    : null;
            default:
                return null;
        }
    }

    /// <summary>The cache keeps reference types; a null result is still a result.</summary>
    private sealed record Holder(StoredQuantization? Stored);
}
