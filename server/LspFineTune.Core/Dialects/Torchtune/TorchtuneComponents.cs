using System.Text.Json;
using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>One parameter of a component's signature: its name, and its literal default when it has one.</summary>
public sealed record ComponentParameter(string Name, bool Required, JsonElement? Default);

/// <summary>
/// A callable a config names with <c>_component_</c>: its parameters (null when its signature is not known, such as a
/// class built on an external base), whether it takes <c>**kwargs</c> (then any argument binds), where it is defined,
/// and, for a model builder, the architecture arguments it passes to its component builder.
/// </summary>
public sealed record TorchtuneComponent(string Path, IReadOnlyList<ComponentParameter>? Parameters, bool TakesAnyKeyword, string Defined)
{
    public TorchtuneModelBuilder? Model { get; init; }

    public ComponentParameter? Parameter(string name) => Parameters?.FirstOrDefault(p => p.Name == name);
}

/// <summary>What a model builder builds: the family (its component builder's package), the Hugging Face model_type of
/// that layout (null: not modelled, such as vision or MoE builders), and the literal arguments it passes.</summary>
public sealed record TorchtuneModelBuilder(string Family, string? ModelType, bool Lora, IReadOnlyDictionary<string, JsonElement> Arguments)
{
    public int? Int(string name) => Arguments.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0 ? number : null;

    public bool? Bool(string name) => Arguments.TryGetValue(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>llama2's component builder without intermediate_dim sizes the MLP as torchtune's
    /// scale_hidden_dim_for_mlp does: 2/3 of 4 x embed_dim, rounded up to a multiple of 256.</summary>
    private int? ScaledHiddenDim() => Family == "llama2" && Int("embed_dim") is { } dim ? 256 * ((8 * dim / 3 + 255) / 256) : null;

    /// <summary>The same builder with the config's own values for its architecture arguments (a component builder such
    /// as <c>torchtune.models.llama2.llama2</c> takes them all from the config).</summary>
    public TorchtuneModelBuilder With(Syntax.MappingNode? section)
    {
        if (section is null)
            return this;
        var arguments = new Dictionary<string, JsonElement>(Arguments);
        foreach (var property in section.Properties)
        {
            if (property.Value is Syntax.ScalarNode scalar && (scalar.AsInteger() is not null || scalar.AsBoolean() is not null)
                && property.Key.Value is "vocab_size" or "num_layers" or "num_heads" or "num_kv_heads" or "embed_dim" or "intermediate_dim" or "hidden_dim" or "head_dim" or "max_seq_len" or "tie_word_embeddings")
                arguments[property.Key.Value] = JsonSerializer.SerializeToElement<object>(scalar.AsInteger() is { } number ? number : scalar.AsBoolean()!.Value);
        }
        return this with { Arguments = arguments };
    }

    /// <summary>The architecture as a Hugging Face config.json would give it, or null when the builder is not modelled.</summary>
    public ModelArchitecture? Architecture()
    {
        if (ModelType is null || Int("num_layers") is not { } layers || Int("embed_dim") is not { } hidden || Int("num_heads") is not { } heads
            || Int("vocab_size") is not { } vocab || (Int("intermediate_dim") ?? Int("hidden_dim") ?? ScaledHiddenDim()) is not { } intermediate)
            return null;
        return new ModelArchitecture
        {
            ModelType = ModelType,
            NumHiddenLayers = layers,
            HiddenSize = hidden,
            IntermediateSize = intermediate,
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int("num_kv_heads") ?? heads,
            HeadDim = Int("head_dim"),
            VocabSize = vocab,
            TieWordEmbeddings = Bool("tie_word_embeddings") ?? false,
            MaxPositionEmbeddings = Int("max_seq_len"),
        };
    }
}

/// <summary>A recipe of torchtune's registry: whether it runs distributed (FSDP2) and the configs it ships.</summary>
public sealed record TorchtuneRecipe(string Name, bool SupportsDistributed, IReadOnlyList<string> Configs, IReadOnlyDictionary<string, bool> Keys)
{
    /// <summary>Distributed recipes shard the model with FSDP2 (<c>*_distributed</c>; the registry's flag).</summary>
    public bool IsDistributed => SupportsDistributed || Name.EndsWith("_distributed", StringComparison.Ordinal);

    /// <summary>The defaults the recipe reads its optional top-level keys with (<c>cfg.get("compile", False)</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> KeyDefaults { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Fine-tuning recipes (not evaluation, generation or quantization): the ones an estimate is for.</summary>
    public bool Trains => !(Name is "eleuther_eval" or "generate" or "quantize" || Name.Contains("generate", StringComparison.Ordinal));
}

/// <summary>
/// torchtune's callables and recipes at pytorch/torchtune@bd2a0fc, generated by
/// <c>scripts/dialects/extract-torchtune-builders.py</c> (torchtune has no schema: a config's nested keys are the keyword
/// arguments of the callable its <c>_component_</c> names, which <c>tune validate</c> binds with inspect.signature).
/// </summary>
public sealed class TorchtuneComponents
{
    private static readonly Lazy<TorchtuneComponents> Loaded = new(Load);

    public static TorchtuneComponents Default => Loaded.Value;

    public required string Upstream { get; init; }

    public required IReadOnlyDictionary<string, TorchtuneComponent> Components { get; init; }

    public required IReadOnlyDictionary<string, TorchtuneRecipe> Recipes { get; init; }

    /// <summary>Every top-level key some recipe reads (<c>cfg.key</c>, <c>cfg.get("key")</c>), and <c>profiler</c>.</summary>
    public required IReadOnlySet<string> TopLevelKeys { get; init; }

    public TorchtuneComponent? Find(string path) => Components.GetValueOrDefault(path.Trim());

    public TorchtuneRecipe? Recipe(string name) => Recipes.GetValueOrDefault(name.Trim());

    /// <summary>The recipe that ships a config (<c>llama3_2/1B_lora_single_device</c>), from the registry.</summary>
    public TorchtuneRecipe? RecipeOfConfig(string configName)
    {
        var name = configName.Trim();
        if (name.EndsWith(".yaml", StringComparison.Ordinal))
            name = name[..^5];
        return Recipes.Values.FirstOrDefault(r => r.Configs.Contains(name));
    }

    /// <summary>The closest existing path to a misspelt one: among the same module's names first, then all torchtune's.</summary>
    public string? SuggestPath(string path)
    {
        var module = path.Contains('.') ? path[..path.LastIndexOf('.')] : "";
        var name = path[(path.LastIndexOf('.') + 1)..];
        var siblings = Components.Keys.Where(k => k.StartsWith(module + ".", StringComparison.Ordinal) && k.LastIndexOf('.') == module.Length).ToList();
        // A name that lacks its suffix (lora_qwen2_5_7b for lora_qwen2_5_7b_base / _instruct): the shortest completion.
        if (siblings.Where(s => s.StartsWith(path + "_", StringComparison.Ordinal)).OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).FirstOrDefault() is { } completion)
            return completion;
        if (Schema.DidYouMean.Suggest(name, siblings.Select(s => s[(module.Length + 1)..])) is { } sibling)
            return module + "." + sibling;
        // Same name under another module (torchtune.modules.LinearCrossEntropyLoss -> torchtune.modules.loss.*).
        var sameName = Components.Keys.Where(k => k.EndsWith("." + name, StringComparison.Ordinal)).OrderBy(k => k.Length).FirstOrDefault();
        return sameName ?? Schema.DidYouMean.Suggest(path, Components.Keys);
    }

    /// <summary>The builder of the same model with a LoRA (<c>lora_</c>), QLoRA (<c>qlora_</c>) or no prefix, when it exists.</summary>
    public string? Variant(string builderPath, string prefix)
    {
        var dot = builderPath.LastIndexOf('.');
        if (dot < 0)
            return null;
        var name = builderPath[(dot + 1)..];
        var bare = name.StartsWith("qlora_", StringComparison.Ordinal) ? name[6..] : name.StartsWith("lora_", StringComparison.Ordinal) ? name[5..] : name;
        var candidate = builderPath[..(dot + 1)] + prefix + bare;
        return Components.TryGetValue(candidate, out var component) && component.Model is not null ? candidate : null;
    }

    private static TorchtuneComponents Load()
    {
        using var stream = typeof(TorchtuneComponents).Assembly.GetManifestResourceStream("LspFineTune.Dialects.torchtune.json")
            ?? throw new InvalidOperationException("The embedded torchtune components are missing.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var components = new Dictionary<string, TorchtuneComponent>(StringComparer.Ordinal);
        foreach (var entry in root.GetProperty("components").EnumerateObject())
        {
            var value = entry.Value;
            IReadOnlyList<ComponentParameter>? parameters = value.GetProperty("params").ValueKind == JsonValueKind.Array
                ? value.GetProperty("params").EnumerateArray().Select(p => new ComponentParameter(
                    p.GetProperty("name").GetString()!,
                    p.TryGetProperty("required", out var required) && required.GetBoolean(),
                    p.TryGetProperty("default", out var fallback) ? fallback.Clone() : null)).ToList()
                : null;
            TorchtuneModelBuilder? model = null;
            if (value.TryGetProperty("model", out var builder))
            {
                model = new TorchtuneModelBuilder(
                    builder.GetProperty("family").GetString()!,
                    builder.GetProperty("model_type").ValueKind == JsonValueKind.String ? builder.GetProperty("model_type").GetString() : null,
                    builder.GetProperty("lora").GetBoolean(),
                    builder.GetProperty("arguments").EnumerateObject().ToDictionary(a => a.Name, a => a.Value.Clone()));
            }
            components[entry.Name] = new TorchtuneComponent(entry.Name, parameters, value.GetProperty("varkw").GetBoolean(), value.GetProperty("defined").GetString()!) { Model = model };
        }
        var keys = new HashSet<string>(StringComparer.Ordinal) { "profiler" };
        var recipeKeys = root.GetProperty("recipe_keys");
        var recipes = new Dictionary<string, TorchtuneRecipe>(StringComparer.Ordinal);
        foreach (var entry in root.GetProperty("recipes").EnumerateObject())
        {
            var read = recipeKeys.TryGetProperty(entry.Name, out var own)
                ? own.EnumerateObject().ToDictionary(k => k.Name, k => k.Value.TryGetProperty("required", out var required) && required.GetBoolean())
                : new Dictionary<string, bool>();
            keys.UnionWith(read.Keys);
            var defaults = recipeKeys.TryGetProperty(entry.Name, out var withDefaults)
                ? withDefaults.EnumerateObject().Where(k => k.Value.TryGetProperty("default", out _)).ToDictionary(k => k.Name, k => k.Value.GetProperty("default").Clone())
                : new Dictionary<string, JsonElement>();
            recipes[entry.Name] = new TorchtuneRecipe(entry.Name, entry.Value.GetProperty("supports_distributed").GetBoolean(),
                entry.Value.GetProperty("configs").EnumerateArray().Select(c => c.GetString()!).ToList(), read) { KeyDefaults = defaults };
        }
        return new TorchtuneComponents { Upstream = root.GetProperty("upstream").GetString()!, Components = components, Recipes = recipes, TopLevelKeys = keys };
    }
}
