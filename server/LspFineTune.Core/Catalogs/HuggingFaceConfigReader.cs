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
        private const int MaxLayers = 10_000;

        private readonly List<string> _errors = [];
        private readonly List<string> _warnings = [];

        // A vision-language config.json nests the language model under text_config; older exports (Qwen2-VL) keep it flat.
        private readonly JsonElement _text = config.TryGetProperty("text_config", out JsonElement nested) && nested.ValueKind == JsonValueKind.Object ? nested : config;
        private ModelFamily? _family;

        public HuggingFaceConfigResult Read()
        {
            string? rawType = ModelType();
            if (rawType is null)
            {
                return new HuggingFaceConfigResult(null, _errors, _warnings);
            }

            // Falcon's original remote-code exports call the 7B "RefinedWebModel" and the 40B "RefinedWeb";
            // the latter is the new decoder architecture (grouped kv heads, ln_attn + ln_mlp).
            bool refinedWeb40B = ModelStructureBuilder.NormalizeFamily(rawType) == "refinedweb";
            _family = ModelFamilies.Default.ForModelType(rawType)
                ?? (TextModelType() is { } textType ? ModelFamilies.Default.ForModelType(textType) : null);
            string family = _family?.ModelTypes[0] ?? ModelStructureBuilder.NormalizeFamily(rawType);

            if (_family is null)
            {
                _warnings.Add($"model_type '{rawType}' is not a modelled family; using the llama layout (q/k/v/o, gate/up/down, RMSNorm)");
            }

            int? hidden = Int(Required, "hidden_size", "n_embd", "d_model");
            int? layers = Int(Required, "num_hidden_layers", "n_layer", "num_layers", "n_layers");
            // A state-space model without attention (Mamba) has no heads; it reads as one head, and no block attends.
            bool attentionFree = _family is not null && Layouts.ModelLayouts.IsAttentionFree(_family.Layout);
            int? heads = Int(attentionFree ? Optional : Required, "num_attention_heads", "n_head", "num_heads", "n_heads") ?? (attentionFree ? 1 : null);
            int? vocab = Int(Required, "vocab_size", "padded_vocab_size");

            // GPT-2 and GPT-J (n_inner: null), Falcon (no ffn_hidden_size before Falcon 2) and MPT (MptMLP hard-codes 4 x d_model) use 4 * hidden.
            // A config whose every block is sparse may have no dense width at all (Qwen3_5MoeTextConfig has no
            // intermediate_size): the expert width stands in, and no block uses it.
            bool ffnDefaultsTo4h = family is "gpt2" or "falcon" or "gptj" or "mpt";
            int? expertWidth = Int(Optional, "moe_intermediate_size");
            int? ffn = Int(ffnDefaultsTo4h || expertWidth is not null ? Optional : Required, "intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size", "ffn_config.ffn_hidden_size");
            if (ffn is null && ffnDefaultsTo4h && hidden is not null)
            {
                ffn = 4 * hidden.Value;
            }

            ffn ??= expertWidth;

            bool? newDecoder = Bool("new_decoder_architecture") ?? (refinedWeb40B ? true : null);
            int? kvHeads = KeyValueHeads(family, newDecoder ?? false, heads);

            int? maxPositions = Int(Optional, "max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_sequence_length", "max_seq_len");

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

            // transformers' PretrainedConfig ties embeddings unless the family's config class says otherwise (its file's config_defaults).
            bool tie = Bool("tie_word_embeddings") ?? true;

            int? experts = Int(Optional, "num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts", "ffn_config.moe_num_experts");
            // Kimi-Linear's config.json spells them num_experts_per_token and num_shared_experts (KimiLinearConfig attribute_map).
            int? expertsPerToken = Int(Optional, "num_experts_per_tok", "moe_top_k", "num_experts_per_token", "ffn_config.moe_top_k");
            int? headDim = Int(Optional, "head_dim");
            int? wordDim = Int(Optional, "word_embed_proj_dim");
            bool? parallel = Bool("parallel_attn", "use_parallel_residual");
            bool? layerNormBefore = Bool("do_layer_norm_before");
            int? moeWidth = Int(Optional, "moe_intermediate_size");
            int? sharedWidth = Int(Optional, "shared_expert_intermediate_size", "moe_shared_expert_intermediate_size")
                ?? (Int(Optional, "n_shared_experts", "num_shared_experts") is > 0 and var sharedCount && moeWidth is { } width ? sharedCount * width : null);

            // The largest published models have a few hundred blocks; a config.json claiming far more is not a model (and
            // the per-block rules below walk the blocks).
            if (layers is > MaxLayers or <= 0)
            {
                _errors.Add(layers <= 0
                    ? $"num_hidden_layers must be a positive integer, got {layers}"
                    : $"num_hidden_layers ({layers}) is not a real model's depth (at most {MaxLayers:N0})");
            }

            if (_errors.Count > 0 || hidden is null || layers is null || heads is null || vocab is null || ffn is null)
            {
                return new HuggingFaceConfigResult(null, _errors, _warnings);
            }

            var options = _family?.Options ?? DecoderOptions.Llama;
            var layerTypes = LayerTypes(layers.Value);
            var (slidingWindow, slidingLayers, linearLayers) = AttentionLayers(layers.Value, options, layerTypes);
            if (attentionFree)
            {
                linearLayers = layers.Value;
            }

            var architecture = new ModelArchitecture
            {
                ModelType = family,
                Layout = _family?.Layout ?? "decoder",
                Decoder = options,
                Family = _family?.Name,
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
                MoeIntermediateSize = moeWidth,
                SharedExpertIntermediateSize = sharedWidth,
                MoeLayers = experts is > 1 ? SparseLayers(layers.Value, layerTypes) : null,
                QLoraRank = Int(Optional, "q_lora_rank"),
                KvLoraRank = Int(Optional, "kv_lora_rank"),
                QkNopeHeadDim = Int(Optional, "qk_nope_head_dim"),
                QkRopeHeadDim = Int(Optional, "qk_rope_head_dim"),
                VHeadDim = Int(Optional, "v_head_dim"),
                SlidingWindow = slidingWindow,
                SlidingWindowLayers = slidingLayers,
                LinearMixerLayers = linearLayers,
                LayerTypes = layerTypes is null ? null : string.Join(",", layerTypes),
                Vision = Vision(hidden.Value, options),
                Extra = Numbers(),
            };

            if (_errors.Count > 0)
            {
                return new HuggingFaceConfigResult(null, _errors, _warnings);
            }

            IReadOnlyList<string> invalid = ModelStructureBuilder.Validate(architecture);
            if (invalid.Count > 0)
            {
                return new HuggingFaceConfigResult(null, [.. invalid], _warnings);
            }

            // A layout builder reads more keys than Validate checks (mixer widths, vision patch sizes); a config.json whose
            // values no real model has must come back as an error here, not as an exception when the estimate builds it.
            try
            {
                _ = ModelStructureBuilder.Build(architecture).TotalParameters;
            }
            catch (Exception e) when (e is ArgumentException or ArithmeticException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
            {
                return new HuggingFaceConfigResult(null, [$"the {architecture.Layout} layout cannot be built from these values: {e.Message}"], _warnings);
            }

            return new HuggingFaceConfigResult(architecture, _errors, _warnings);
        }

        private string? TextModelType() =>
            _text.ValueKind == JsonValueKind.Object && _text.TryGetProperty("model_type", out JsonElement type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

        /// <summary>
        /// Blocks whose MLP is a mixture of experts. Qwen-MoE: not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0;
        /// DeepSeek: i >= first_k_dense_replace and i % moe_layer_freq == 0; Llama 4: (i + 1) % interleave_moe_layer_step == 0.
        /// </summary>
        private int SparseLayers(int layers, IReadOnlyList<string>? layerTypes)
        {
            // Hybrids name their MoE blocks (Nemotron-H's E), or place them by period (Jamba's expert_layer_period and
            // offset, configuration_jamba.py layers_num_experts), or keep the first blocks dense (LFM2-MoE num_dense_layers).
            if (layerTypes is not null && layerTypes.Contains("moe"))
            {
                return layerTypes.Count(kind => kind == "moe");
            }

            if (Int(Optional, "expert_layer_period") is > 0 and var period && Int(Optional, "expert_layer_offset") is { } offset)
            {
                return Enumerable.Range(0, layers).Count(i => i % period == offset);
            }

            if (Int(Optional, "num_dense_layers") is { } denseLayers)
            {
                return Math.Max(0, layers - denseLayers);
            }

            int firstDense = Int(Optional, "first_k_dense_replace") ?? 0;
            int step = Int(Optional, "decoder_sparse_step", "interleave_moe_layer_step") ?? 1;
            int frequency = Int(Optional, "moe_layer_freq") ?? 1;
            var denseOnly = IntList("mlp_only_layers");
            int count = 0;
            for (int i = 0; i < layers; i++)
            {
                if (i >= firstDense && !denseOnly.Contains(i) && (step <= 1 || (i + 1) % step == 0) && (frequency <= 1 || i % frequency == 0))
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>
        /// What each block mixes with, as config.json spells it: <c>layer_types</c> (transformers' current key),
        /// <c>layers_block_type</c> (older hybrid exports), Kimi-Linear's <c>linear_attn_config.full_attn_layers</c>, Nemotron-H's <c>hybrid_override_pattern</c> (M mamba, E moe,
        /// * attention, - mlp: configuration_nemotron_h.py _pattern_to_list with the legacy names), and the rules the
        /// config classes apply when no list is stored: <c>full_attention_interval</c> (Qwen3-Next, Qwen3.5: every Nth block
        /// full attention, the rest linear attention) and Jamba's <c>attn_layer_period</c>/<c>attn_layer_offset</c>
        /// (configuration_jamba.py layers_block_type). Null when the config says nothing (every block attends).
        /// </summary>
        private IReadOnlyList<string>? LayerTypes(int layers)
        {
            foreach (string key in new[] { "layer_types", "layers_block_type" })
            {
                if (_text.TryGetProperty(key, out JsonElement types) && types.ValueKind == JsonValueKind.Array)
                {
                    return [.. types.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : "")];
                }
            }

            // Kimi-Linear: linear_attn_config lists the 1-indexed full-attention and KDA blocks (configuration_kimi_linear.py).
            if (_text.TryGetProperty("linear_attn_config", out JsonElement linear) && linear.ValueKind == JsonValueKind.Object
                && linear.TryGetProperty("full_attn_layers", out JsonElement full) && full.ValueKind == JsonValueKind.Array)
            {
                var attending = full.EnumerateArray().Where(item => item.TryGetInt32(out _)).Select(item => item.GetInt32() - 1).ToHashSet();
                return [.. Enumerable.Range(0, layers).Select(i => attending.Contains(i) ? "full_attention" : "kda_attention")];
            }

            if (_text.TryGetProperty("hybrid_override_pattern", out JsonElement pattern) && pattern.ValueKind == JsonValueKind.String)
            {
                return [.. pattern.GetString()!.Select(c => c switch { 'M' => "mamba", 'E' => "moe", '*' => "attention", '-' => "mlp", _ => c.ToString() })];
            }

            if (Int(Optional, "full_attention_interval") is > 0 and var interval)
            {
                return [.. Enumerable.Range(0, layers).Select(i => (i + 1) % interval == 0 ? "full_attention" : "linear_attention")];
            }

            if (Int(Optional, "attn_layer_period") is > 0 and var period && Int(Optional, "attn_layer_offset") is { } offset)
            {
                return [.. Enumerable.Range(0, layers).Select(i => i % period == offset ? "attention" : "mamba")];
            }

            return null;
        }

        /// <summary>
        /// The sliding window and how many blocks use it, and how many blocks have no quadratic attention: from
        /// config.json layer_types when present (transformers' current spelling), else Gemma 3's sliding_window_pattern
        /// (every Nth block global), else the family's rule for sliding_window (Mistral v0.1: all blocks; Gemma 2: even blocks).
        /// use_sliding_window: false (Qwen2) switches the window off.
        /// </summary>
        private (int? Window, int Sliding, int Linear) AttentionLayers(int layers, DecoderOptions options, IReadOnlyList<string>? kinds)
        {
            int? window = Int(Optional, "sliding_window");
            if (Bool("use_sliding_window") == false)
            {
                window = null;
            }

            if (kinds is not null)
            {
                int sliding = kinds.Count(k => k is "sliding_attention" or "chunked_attention" or "local");
                int linear = kinds.Count(k => k is not ("sliding_attention" or "chunked_attention" or "local" or "full_attention" or "attention" or "global"));
                return (sliding > 0 ? window : null, window is null ? 0 : Math.Min(sliding, layers), Math.Min(linear, layers));
            }

            if (window is null)
            {
                return (null, 0, 0);
            }

            if (Int(Optional, "sliding_window_pattern") is > 1 and var pattern)
            {
                return (window, layers - layers / pattern, 0);
            }

            return options.SlidingLayers switch
            {
                SlidingLayerRule.All => (window, layers, 0),
                SlidingLayerRule.Alternate => (window, (layers + 1) / 2, 0),
                _ => (null, 0, 0),
            };
        }

        /// <summary>The vision tower of a vision-language config.json (vision_config), or null for a text-only model.</summary>
        private VisionTowerConfig? Vision(int textHidden, DecoderOptions options)
        {
            if (!config.TryGetProperty("vision_config", out JsonElement v) || v.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var reader = new Reader(v);
            int? hidden = reader.Int(Optional, "hidden_size", "embed_dim");
            int? layers = reader.Int(Optional, "num_hidden_layers", "depth");
            int? ffn = reader.Int(Optional, "intermediate_size");
            if (ffn is null && hidden is not null && v.TryGetProperty("mlp_ratio", out JsonElement ratio) && ratio.TryGetDouble(out double r))
            {
                ffn = (int)(hidden.Value * r);
            }

            int? patch = reader.Int(Optional, "patch_size");
            if (hidden is null || layers is null || ffn is null || patch is null)
            {
                _warnings.Add("vision_config lacks hidden_size, num_hidden_layers (depth), intermediate_size or patch_size; the vision tower is not counted");
                return null;
            }

            return new VisionTowerConfig
            {
                HiddenSize = hidden.Value,
                IntermediateSize = ffn.Value,
                Layers = layers.Value,
                PatchSize = patch.Value,
                ImageSize = reader.Int(Optional, "image_size"),
                Channels = reader.Int(Optional, "num_channels", "in_channels", "in_chans") ?? 3,
                TemporalPatchSize = reader.Int(Optional, "temporal_patch_size") ?? 1,
                SpatialMergeSize = reader.Int(Optional, "spatial_merge_size") ?? 1,
                OutputSize = reader.Int(Optional, "out_hidden_size") ?? textHidden,
                PositionEmbeddings = reader.Int(Optional, "num_position_embeddings"),
                Tower = options.VisionTower,
                Extra = reader.Numbers(),
            };
        }

        /// <summary>Every number (and boolean, as 0/1) of the text config and the family defaults, for builders that need keys this reader does not name.</summary>
        private ConfigNumbers Numbers()
        {
            var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
            void Add(JsonElement source)
            {
                if (source.ValueKind != JsonValueKind.Object)
                {
                    return;
                }

                foreach (JsonProperty property in source.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out double number))
                    {
                        numbers.TryAdd(property.Name, number);
                    }
                    else if (property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        numbers.TryAdd(property.Name, property.Value.GetBoolean() ? 1 : 0);
                    }
                    else if (property.Value.ValueKind == JsonValueKind.Array)
                    {
                        // A list's length as "<key>.count": Mllama's cross_attention_layers, supported_aspect_ratios.
                        numbers.TryAdd(property.Name + ".count", property.Value.GetArrayLength());
                    }
                    else if (property.Value.ValueKind == JsonValueKind.Object && property.Name is not ("text_config" or "vision_config"))
                    {
                        // A nested settings object's numbers, by dotted key (Kimi-Linear's linear_attn_config.head_dim).
                        foreach (JsonProperty inner in property.Value.EnumerateObject())
                        {
                            if (inner.Value.ValueKind == JsonValueKind.Number && inner.Value.TryGetDouble(out double value))
                            {
                                numbers.TryAdd($"{property.Name}.{inner.Name}", value);
                            }
                        }
                    }
                }
            }

            Add(_text);
            if (_text.ValueKind == JsonValueKind.Object && !_text.Equals(config))
            {
                Add(config);
            }

            if (_family is not null)
            {
                Add(_family.ConfigDefaults);
            }

            return new ConfigNumbers(numbers);
        }

        private HashSet<int> IntList(string key)
        {
            var values = new HashSet<int>();
            if (_text.TryGetProperty(key, out JsonElement list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in list.EnumerateArray())
                {
                    if (item.TryGetInt32(out int value))
                    {
                        values.Add(value);
                    }
                }
            }

            return values;
        }

        private string? ModelType()
        {
            // The top-level model_type names a vision-language model's family (gemma3, not its text_config's gemma3_text).
            if ((config.TryGetProperty("model_type", out JsonElement value) && value.ValueKind != JsonValueKind.Null)
                || (_text.TryGetProperty("model_type", out value) && value.ValueKind != JsonValueKind.Null))
            {
                const string key = "model_type";
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
                    if (item.ValueKind == JsonValueKind.String && ModelFamilies.Default.ForArchitectureClass(item.GetString()!) is { } family)
                    {
                        return family.ModelTypes[0];
                    }
                }
            }

            _errors.Add($"missing key 'model_type' ({string.Join(", ", ModelFamilies.Default.ModelTypes.Take(12))}, ...)");
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

            int? kv = Int(Optional, "num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num", "attn_config.kv_n_heads");
            if (kv is null && Bool("multi_query") == true)
            {
                return 1;
            }

            return kv;
        }

        private const bool Required = true;
        private const bool Optional = false;

        /// <summary>
        /// Finds the first of <paramref name="keys"/> that is present and not null: in the text config, then (for a
        /// nested vision-language config) the top level, then the family's config-class defaults.
        /// </summary>
        private bool TryFind(string[] keys, out string foundKey, out JsonElement value)
        {
            foreach (JsonElement source in new[] { _text, config })
            {
                foreach (string key in keys)
                {
                    if (Lookup(source, key, out value))
                    {
                        foundKey = key;
                        return true;
                    }
                }
            }

            foreach (string key in keys)
            {
                if (_family is not null && _family.TryDefault(key, out value))
                {
                    foundKey = key;
                    return true;
                }
            }

            foundKey = keys[0];
            value = default;
            return false;
        }

        /// <summary>A key of <paramref name="source"/>, or a dotted path into its sub-objects (DBRX's <c>ffn_config.moe_num_experts</c>).</summary>
        private static bool Lookup(JsonElement source, string key, out JsonElement value)
        {
            value = source;
            foreach (string part in key.Split('.'))
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(part, out value))
                {
                    return false;
                }
            }

            return value.ValueKind != JsonValueKind.Null;
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
