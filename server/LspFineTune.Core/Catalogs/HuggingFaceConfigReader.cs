using System.Text.Json;
using System.Text.Json.Nodes;

namespace LspFineTune.Core.Catalogs;

/// <summary>The outcome of reading a config.json: the architecture, or the reasons it could not be read.</summary>
public sealed record HuggingFaceConfigResult(
    ModelArchitecture? Architecture,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings)
{
    public bool Success => Architecture is not null && Errors.Count == 0;

    internal static HuggingFaceConfigResult Failure(string error) => new(null, [error], []);
}

/// <summary>
/// Reads a Hugging Face <c>config.json</c> into a <see cref="ModelArchitecture"/>, normalising the family
/// spellings (GPT-2's n_layer/n_embd/n_head/n_inner/n_positions, Falcon's n_head/num_kv_heads/multi_query,
/// OPT's ffn_dim, ...). Never throws on bad input: problems come back as <see cref="HuggingFaceConfigResult.Errors"/>.
/// </summary>
public static class HuggingFaceConfigReader
{
    public const string ConfigFileName = "config.json";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads config.json text.</summary>
    public static HuggingFaceConfigResult Read(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return HuggingFaceConfigResult.Failure("config.json is empty");
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json, DocumentOptions);
            return Read(document.RootElement);
        }
        catch (JsonException e)
        {
            return HuggingFaceConfigResult.Failure($"config.json is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Reads a parsed config.json (or an inline architecture object with the same keys).</summary>
    public static HuggingFaceConfigResult Read(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            return HuggingFaceConfigResult.Failure($"config.json must be a JSON object, got {Describe(config.ValueKind)}");
        }

        return new Reader(config).Read();
    }

    /// <summary>Reads a config.json held as a <see cref="JsonNode"/> (for example a <see cref="JsonObject"/>).</summary>
    public static HuggingFaceConfigResult Read(JsonNode? config)
    {
        if (config is null)
        {
            return HuggingFaceConfigResult.Failure("config.json is null");
        }

        return Read(config.ToJsonString());
    }

    /// <summary>config.json files are a few KB; a larger one is not a model config.</summary>
    public const long MaxConfigBytes = 4L * 1024 * 1024;

    /// <summary>Reads <c>config.json</c> from a Hugging Face model folder (model.path), through the cached file access.</summary>
    public static HuggingFaceConfigResult ReadFolder(string folderPath, Files.IAuxiliaryFiles? files = null)
    {
        files ??= Files.AuxiliaryFileCache.Shared;
        if (string.IsNullOrWhiteSpace(folderPath))
        {
            return HuggingFaceConfigResult.Failure("model path is empty");
        }

        string file;
        try
        {
            var folder = files.Stat(folderPath);
            if (folder.Kind != Files.FileKind.Directory)
            {
                return HuggingFaceConfigResult.Failure(folder.Kind != Files.FileKind.Missing
                    ? $"model path '{folderPath}' is a file; expected a folder holding {ConfigFileName}"
                    : $"model folder '{folderPath}' does not exist");
            }
            file = Path.Combine(folderPath, ConfigFileName);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return HuggingFaceConfigResult.Failure($"model path '{folderPath}' is not usable: {e.Message}");
        }

        var read = files.ReadText(file, MaxConfigBytes);
        if (read.Text is not { } text)
        {
            return HuggingFaceConfigResult.Failure(read.Status.Kind == Files.FileKind.Missing
                ? $"model folder '{folderPath}' has no {ConfigFileName}"
                : $"cannot read '{file}': {read.Problem}");
        }

        HuggingFaceConfigResult result = Read(text);
        return result.Success
            ? result
            : result with { Errors = [.. result.Errors.Select(error => $"{file}: {error}")] };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>One read: collects errors and warnings instead of stopping at the first.</summary>
    private sealed class Reader(JsonElement config)
    {
        // Families whose config class defaults tie_word_embeddings to false; transformers'
        // PretrainedConfig default (true) applies to the rest (gpt2, opt, falcon, gemma, gemma2, starcoder2).
        private static readonly HashSet<string> UntiedByDefault = new(StringComparer.Ordinal)
        {
            "llama", "mistral", "mixtral", "qwen2", "phi", "phi3", "gpt_neox", "stablelm",
        };

        // Architecture class names, used when model_type is missing (older exports).
        private static readonly Dictionary<string, string> ArchitectureClasses = new(StringComparer.Ordinal)
        {
            ["LlamaForCausalLM"] = "llama",
            ["MistralForCausalLM"] = "mistral",
            ["MixtralForCausalLM"] = "mixtral",
            ["Qwen2ForCausalLM"] = "qwen2",
            ["GemmaForCausalLM"] = "gemma",
            ["Gemma2ForCausalLM"] = "gemma2",
            ["PhiForCausalLM"] = "phi",
            ["Phi3ForCausalLM"] = "phi3",
            ["GPT2LMHeadModel"] = "gpt2",
            ["GPTNeoXForCausalLM"] = "gpt_neox",
            ["FalconForCausalLM"] = "falcon",
            ["RWForCausalLM"] = "falcon",
            ["OPTForCausalLM"] = "opt",
            ["StableLmForCausalLM"] = "stablelm",
            ["Starcoder2ForCausalLM"] = "starcoder2",
        };

        private readonly List<string> _errors = [];
        private readonly List<string> _warnings = [];

        public HuggingFaceConfigResult Read()
        {
            string? rawType = ModelType();
            if (rawType is null)
            {
                return new HuggingFaceConfigResult(null, _errors, _warnings);
            }

            string family = ModelStructureBuilder.NormalizeFamily(rawType);
            // Falcon's original remote-code exports call the 7B "RefinedWebModel" and the 40B "RefinedWeb";
            // the latter is the new decoder architecture (grouped kv heads, ln_attn + ln_mlp).
            bool refinedWeb40B = family == "refinedweb";
            family = family switch
            {
                "refinedweb" or "refinedwebmodel" or "rw" => "falcon",
                "phi_msft" => "phi",
                "stablelm_epoch" => "stablelm",
                _ => family,
            };

            if (!ModelStructureBuilder.IsKnownFamily(family))
            {
                _warnings.Add($"model_type '{rawType}' is not a modelled family; using the llama layout (q/k/v/o, gate/up/down, RMSNorm)");
            }

            int? hidden = Int(Required, "hidden_size", "n_embd", "d_model");
            int? layers = Int(Required, "num_hidden_layers", "n_layer", "num_layers", "n_layers");
            int? heads = Int(Required, "num_attention_heads", "n_head", "num_heads");
            int? vocab = Int(Required, "vocab_size", "padded_vocab_size");

            // GPT-2 (n_inner: null) and Falcon (no ffn_hidden_size before Falcon 2) use 4 * hidden.
            bool ffnDefaultsTo4h = family is "gpt2" or "falcon";
            int? ffn = Int(ffnDefaultsTo4h ? Optional : Required, "intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size");
            if (ffn is null && ffnDefaultsTo4h && hidden is not null)
            {
                ffn = 4 * hidden.Value;
            }

            bool? newDecoder = Bool("new_decoder_architecture") ?? (refinedWeb40B ? true : null);
            int? kvHeads = KeyValueHeads(family, newDecoder ?? false, heads);

            int? maxPositions = Int(Optional, "max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_sequence_length");
            maxPositions ??= family switch
            {
                "gpt2" => 1024, // GPT2Config default n_positions
                "opt" => 2048,  // OPTConfig default max_position_embeddings
                _ => null,
            };

            // Falcon's single "bias" flag and OPT's "enable_bias" / StarCoder2's "use_bias" cover attention and MLP.
            bool? sharedBias = family switch
            {
                "falcon" => Bool("bias"),
                "opt" => Bool("enable_bias"),
                "starcoder2" => Bool("use_bias"),
                _ => null,
            };
            bool? attentionBias = Bool("attention_bias", "use_qkv_bias", "qkv_bias") ?? sharedBias;
            bool? mlpBias = Bool("mlp_bias") ?? sharedBias;

            bool tie = Bool("tie_word_embeddings") ?? !UntiedByDefault.Contains(family);

            int? experts = Int(Optional, "num_local_experts", "moe_num_experts");
            int? expertsPerToken = Int(Optional, "num_experts_per_tok", "moe_top_k");
            int? headDim = Int(Optional, "head_dim");
            int? wordDim = Int(Optional, "word_embed_proj_dim");
            bool? parallel = Bool("parallel_attn", "use_parallel_residual");
            bool? layerNormBefore = Bool("do_layer_norm_before");

            if (_errors.Count > 0 || hidden is null || layers is null || heads is null || vocab is null || ffn is null)
            {
                return new HuggingFaceConfigResult(null, _errors, _warnings);
            }

            var architecture = new ModelArchitecture
            {
                ModelType = family,
                NumHiddenLayers = layers.Value,
                HiddenSize = hidden.Value,
                IntermediateSize = ffn.Value,
                NumAttentionHeads = heads.Value,
                NumKeyValueHeads = kvHeads,
                HeadDim = headDim,
                VocabSize = vocab.Value,
                TieWordEmbeddings = tie,
                NumLocalExperts = experts,
                NumExpertsPerTok = expertsPerToken,
                MaxPositionEmbeddings = maxPositions,
                AttentionBias = attentionBias,
                MlpBias = mlpBias,
                NewDecoderArchitecture = newDecoder,
                WordEmbedProjDim = wordDim,
                ParallelAttention = parallel,
                DoLayerNormBefore = layerNormBefore,
            };

            IReadOnlyList<string> invalid = ModelStructureBuilder.Validate(architecture);
            return invalid.Count > 0
                ? new HuggingFaceConfigResult(null, [.. invalid], _warnings)
                : new HuggingFaceConfigResult(architecture, _errors, _warnings);
        }

        private string? ModelType()
        {
            if (TryFind(["model_type"], out string key, out JsonElement value))
            {
                if (value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
                {
                    return value.GetString();
                }

                _errors.Add($"'{key}' must be a non-empty string, got {Describe(value.ValueKind)}");
                return null;
            }

            if (config.TryGetProperty("architectures", out JsonElement classes) && classes.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in classes.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && ArchitectureClasses.TryGetValue(item.GetString()!, out string? family))
                    {
                        return family;
                    }
                }
            }

            _errors.Add("missing key 'model_type' (llama, mistral, mixtral, qwen2, gemma, gemma2, phi, phi3, gpt2, gpt_neox, falcon, opt, stablelm, ...)");
            return null;
        }

        /// <summary>
        /// Grouped-query heads. Falcon: new_decoder_architecture reads num_kv_heads (n_head_kv in RefinedWeb);
        /// the older layout is multi-query (one kv head) when multi_query, which FalconConfig defaults to true.
        /// Elsewhere multi_query (GPTBigCode) also means a single kv head.
        /// </summary>
        private int? KeyValueHeads(string family, bool newDecoder, int? heads)
        {
            if (family == "falcon")
            {
                if (newDecoder)
                {
                    return Int(Optional, "num_kv_heads", "n_head_kv", "num_key_value_heads") ?? heads;
                }

                return (Bool("multi_query") ?? true) ? 1 : heads;
            }

            int? kv = Int(Optional, "num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num");
            if (kv is null && Bool("multi_query") == true)
            {
                return 1;
            }

            return kv;
        }

        private const bool Required = true;
        private const bool Optional = false;

        /// <summary>Finds the first of <paramref name="keys"/> that is present and not null.</summary>
        private bool TryFind(string[] keys, out string foundKey, out JsonElement value)
        {
            foreach (string key in keys)
            {
                if (config.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null)
                {
                    foundKey = key;
                    return true;
                }
            }

            foundKey = keys[0];
            value = default;
            return false;
        }

        private int? Int(bool required, params string[] keys)
        {
            if (!TryFind(keys, out string key, out JsonElement value))
            {
                if (required)
                {
                    string also = keys.Length > 1 ? $" (also read as {string.Join(", ", keys.Skip(1))})" : "";
                    _errors.Add($"missing key '{keys[0]}'{also}");
                }

                return null;
            }

            if (value.ValueKind == JsonValueKind.Number)
            {
                if (value.TryGetInt32(out int exact))
                {
                    return exact;
                }

                // 4096.0 is an integer written as a float; 4096.5 or 1e12 is not usable.
                if (value.TryGetDouble(out double number) && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue)
                {
                    return (int)number;
                }

                _errors.Add($"'{key}' must be an integer, got {value.GetRawText()}");
                return null;
            }

            _errors.Add($"'{key}' must be an integer, got {Describe(value.ValueKind)}");
            return null;
        }

        private bool? Bool(params string[] keys)
        {
            if (!TryFind(keys, out string key, out JsonElement value))
            {
                return null;
            }

            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }

            _errors.Add($"'{key}' must be true or false, got {Describe(value.ValueKind)}");
            return null;
        }
    }
}
