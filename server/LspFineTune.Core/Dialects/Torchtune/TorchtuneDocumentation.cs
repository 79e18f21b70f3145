using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// Documentation of one torchtune config, built from <c>Data/torchtune.json</c> since torchtune has no schema: the
/// top-level keys are the ones the document's recipe reads (every recipe's when the recipe is unknown), each with what
/// it does where we know (our own words, <c>Data/torchtune-notes.json</c>); inside a section with a <c>_component_</c> the keys are that callable's parameters with their
/// defaults, and <c>_component_</c> itself takes the known components of the section's role (builders under
/// <c>model:</c>, optimizers under <c>optimizer:</c>). Built once per recipe and set of components, then cached: the
/// server asks on every completion and hover, and keystrokes rarely change a <c>_component_</c>.
/// </summary>
public static class TorchtuneDocumentation
{
    private const int CacheLimit = 256;
    private const int MaxDepth = 6;
    private const string Component = "_component_";

    private static readonly ConcurrentDictionary<string, SchemaDocumentation> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IReadOnlyList<JsonNode?>> RoleMembers = new(StringComparer.Ordinal);
    private static readonly IReadOnlyList<JsonNode?> PythonBooleans = [JsonValue.Create("True"), JsonValue.Create("False")];
    private static readonly Lazy<IReadOnlyDictionary<string, JsonElement>> AnyRecipeDefaults = new(() =>
    {
        var defaults = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var recipe in TorchtuneComponents.Default.Recipes.Values.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            foreach (var (key, value) in recipe.KeyDefaults)
            {
                if (value.ValueKind != JsonValueKind.Null)
                    defaults.TryAdd(key, value);
            }
        }
        return defaults;
    });

    /// <summary>Parameters the recipe passes itself (<c>config.instantiate(cfg.optimizer, model.parameters())</c>): not
    /// keys a config writes.</summary>
    private static readonly HashSet<string> SuppliedByRecipe = ["params", "optimizer", "tokenizer", "model"];

    /// <summary>What a section's <c>_component_</c> can name: the section's key (or its <c>teacher_</c>, <c>_val</c> ...
    /// variant) picks a role, and the role the components by module and name.</summary>
    private sealed record Role(string Name, string What, Func<string, TorchtuneComponent, bool> Includes);

    private static readonly Role[] Roles =
    [
        new("model", "model builders", (_, c) => c.Model is not null),
        new("tokenizer", "tokenizers", (name, c) => c.Path.StartsWith("torchtune.models.", StringComparison.Ordinal) && name.EndsWith("tokenizer", StringComparison.OrdinalIgnoreCase)),
        new("checkpointer", "checkpointers", (name, c) => c.Path.StartsWith("torchtune.", StringComparison.Ordinal) && name.EndsWith("Checkpointer", StringComparison.Ordinal)),
        new("optimizer", "optimizers", (name, c) => c.Path.EndsWith(".optim." + name, StringComparison.Ordinal)),
        new("loss", "losses", (name, _) => name.EndsWith("Loss", StringComparison.Ordinal)),
        new("dataset", "datasets", (name, c) => c.Path.StartsWith("torchtune.", StringComparison.Ordinal) && (name.EndsWith("_dataset", StringComparison.Ordinal) || name.EndsWith("Dataset", StringComparison.Ordinal))),
        new("lr_scheduler", "learning-rate schedules", (name, _) => name.StartsWith("get_", StringComparison.Ordinal) && name.Contains("schedule", StringComparison.Ordinal)),
        new("metric_logger", "metric loggers", (name, _) => name.EndsWith("Logger", StringComparison.Ordinal)),
        new("profiler", "profilers", (name, _) => name == "setup_torch_profiler"),
        new("quantizer", "quantizers", (name, _) => name.EndsWith("Quantizer", StringComparison.Ordinal)),
    ];

    /// <summary>Our own words on what a key does, to memory and time where we know; values where torchtune takes few.</summary>
    private sealed record Note(string Text, string[]? Values = null);

    /// <summary>The notes of <c>Data/torchtune-notes.json</c>: top-level keys, sections (by role) and component parameters.</summary>
    private sealed record Notes(IReadOnlyDictionary<string, Note> Keys, IReadOnlyDictionary<string, Note> Sections, IReadOnlyDictionary<string, Note> Parameters);

    private static readonly Lazy<Notes> OwnNotes = new(() =>
    {
        using var stream = typeof(TorchtuneDocumentation).Assembly.GetManifestResourceStream("LspFineTune.Dialects.torchtune-notes.json")
            ?? throw new InvalidOperationException("The embedded torchtune notes are missing.");
        using var document = JsonDocument.Parse(stream);
        Dictionary<string, Note> Read(string name) => document.RootElement.GetProperty(name).EnumerateObject().ToDictionary(
            e => e.Name,
            e => e.Value.ValueKind == JsonValueKind.String
                ? new Note(e.Value.GetString()!)
                : new Note(e.Value.GetProperty("text").GetString()!, e.Value.GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToArray()),
            StringComparer.Ordinal);
        return new Notes(Read("keys"), Read("sections"), Read("parameters"));
    });

    /// <summary>The documentation of a bound torchtune document, from the cache when its recipe and components are unchanged.</summary>
    public static SchemaDocumentation For(TorchtuneBinding binding)
    {
        var root = binding.Document.Tree.RootMapping;
        var recipe = binding.Recipe is { Keys.Count: > 0 } known ? known : null;
        var signature = new StringBuilder(recipe?.Name ?? "").Append('|');
        if (root is not null)
            Sign(root, signature, 0);
        var key = signature.ToString();
        if (Cache.TryGetValue(key, out var cached))
            return cached;
        if (Cache.Count >= CacheLimit)
            Cache.Clear();
        return Cache.GetOrAdd(key, _ => Build(root, recipe, TorchtuneComponents.Default));
    }

    /// <summary>What the documentation depends on: the sections written as mappings and the components they name.</summary>
    private static void Sign(MappingNode mapping, StringBuilder into, int depth)
    {
        foreach (var property in mapping.Properties)
        {
            if (property.Value is not MappingNode section)
                continue;
            into.Append(property.Key.Value);
            if (section.Find(Component)?.Value is ScalarNode { IsNull: false } component)
                into.Append('=').Append(component.Value.Trim());
            if (depth < MaxDepth)
            {
                into.Append('{');
                Sign(section, into, depth + 1);
                into.Append('}');
            }
            into.Append(';');
        }
    }

    private static SchemaDocumentation Build(MappingNode? root, TorchtuneRecipe? recipe, TorchtuneComponents data)
    {
        var names = new SortedSet<string>(recipe?.Keys.Keys ?? data.TopLevelKeys, StringComparer.Ordinal);
        if (recipe?.Trains == true)
            names.Add("profiler");
        // Sections the recipe does not read still get their component's parameters (hover on a nested key).
        foreach (var property in root?.Properties ?? [])
        {
            if (property.Value is MappingNode section && section.Find(Component) is not null)
                names.Add(property.Key.Value);
        }
        var children = names.Select(name => TopLevelKey(name, root?.Find(name)?.Value as MappingNode, recipe, data)).ToList();
        return SchemaDocumentation.FromKeys(new SchemaKeyInfo { Path = "", Types = ["object"], Children = children, AllowsOtherKeys = true });
    }

    private static SchemaKeyInfo TopLevelKey(string name, MappingNode? written, TorchtuneRecipe? recipe, TorchtuneComponents data)
    {
        var readBy = ReadBy(name, recipe);
        if (written is not null || RoleOf(name) is not null)
            return Section(name, name, written, [OwnNotes.Value.Sections.GetValueOrDefault(name)?.Text ?? OwnNotes.Value.Sections.GetValueOrDefault(RoleOf(name)?.Name ?? "")?.Text, readBy], data, 0);
        JsonElement? fallback = recipe?.KeyDefaults.TryGetValue(name, out var own) == true ? own : null;
        // A required key has no default of its own; another recipe's default still tells its type.
        var typed = fallback is { ValueKind: not JsonValueKind.Null } ? fallback : AnyRecipeDefaults.Value.TryGetValue(name, out var other) ? other : fallback;
        var note = OwnNotes.Value.Keys.GetValueOrDefault(name);
        return Value(name, typed, fallback is not null, [note?.Text, readBy], note?.Values);
    }

    private static string ReadBy(string name, TorchtuneRecipe? recipe)
    {
        if (recipe is null)
            return "Read by some torchtune recipe (name it with `# lft: recipe=` or a `tune run` comment for its own keys).";
        if (!recipe.Keys.TryGetValue(name, out var required))
            return $"Not read by the recipe `{recipe.Name}` itself.";
        if (required)
            return $"Required by the recipe `{recipe.Name}`.";
        return recipe.KeyDefaults.TryGetValue(name, out var fallback)
            ? $"Optional in the recipe `{recipe.Name}`; absent: `{Python(fallback)}`."
            : $"Optional in the recipe `{recipe.Name}`.";
    }

    /// <summary>A section: its <c>_component_</c> (the role's components) and that component's parameters, with nested
    /// sections where the document writes a mapping with its own <c>_component_</c>.</summary>
    private static SchemaKeyInfo Section(string path, string key, MappingNode? mapping, IEnumerable<string?> words, TorchtuneComponents data, int depth)
    {
        var componentPath = mapping?.Find(Component)?.Value is ScalarNode { IsNull: false } written ? written.Value.Trim() : null;
        var component = componentPath is null ? null : data.Find(componentPath);
        var role = RoleOf(key);
        var children = new List<SchemaKeyInfo>();
        if (role is not null || componentPath is not null)
        {
            var choices = role is not null ? Members(role, data) : component is not null ? Siblings(component, data) : [];
            var current = component is null ? null
                : $"Now `{component.Path}`: {(component.Parameters is { } own ? $"{own.Count} parameters" : "parameters not known")}{(component.TakesAnyKeyword ? ", and **kwargs" : "")} ({component.Defined}).";
            children.Add(new SchemaKeyInfo
            {
                Path = path + "." + Component,
                Types = ["string"],
                AllowedValues = choices,
                MarkdownDescription = Join([$"The dotted path of the callable torchtune instantiates for `{key}`; the section's other keys are its keyword arguments.",
                    role is null ? null : $"{choices.Count} known {role.What}.", current]),
            });
        }
        var name = componentPath?.Split('.')[^1];
        foreach (var parameter in component?.Parameters ?? [])
        {
            if (parameter.Required && SuppliedByRecipe.Contains(parameter.Name))
                continue;
            var childPath = path + "." + parameter.Name;
            var nested = depth < MaxDepth ? mapping?.Find(parameter.Name)?.Value as MappingNode : null;
            var about = new[] { OwnNotes.Value.Parameters.GetValueOrDefault(parameter.Name)?.Text, $"Argument of `{name}`{(parameter.Required ? ", required" : "")}." };
            children.Add(nested is not null && nested.Find(Component) is not null
                ? Section(childPath, parameter.Name, nested, about, data, depth + 1)
                : Value(childPath, parameter.Default, parameter.Default is not null, about, null));
        }
        // Nested components the signature does not name (its **kwargs, or a section whose component is not known).
        foreach (var property in mapping?.Properties ?? [])
        {
            if (depth < MaxDepth && property.Value is MappingNode nested && nested.Find(Component) is not null && children.All(c => c.Path != path + "." + property.Key.Value))
                children.Add(Section(path + "." + property.Key.Value, property.Key.Value, nested, [], data, depth + 1));
        }
        return new SchemaKeyInfo
        {
            Path = path,
            Types = ["object"],
            MarkdownDescription = Join(words),
            Children = children,
            AllowsOtherKeys = component?.Parameters is null || component.TakesAnyKeyword,
        };
    }

    /// <summary>A key with a literal value: its type and default from the Python default, booleans as torchtune writes them.</summary>
    private static SchemaKeyInfo Value(string path, JsonElement? fallback, bool hasDefault, IEnumerable<string?> words, string[]? values)
    {
        var (types, node) = fallback switch
        {
            { ValueKind: JsonValueKind.True or JsonValueKind.False } b => (new[] { "boolean" }, (JsonNode?)JsonValue.Create(b.GetBoolean())),
            { ValueKind: JsonValueKind.Number } n => (new[] { n.TryGetInt64(out _) ? "integer" : "number" }, JsonNode.Parse(n.GetRawText())),
            { ValueKind: JsonValueKind.String } s => (new[] { "string" }, JsonValue.Create(s.GetString())),
            { ValueKind: JsonValueKind.Array } a => (new[] { "array" }, JsonNode.Parse(a.GetRawText())),
            _ => (Array.Empty<string>(), null),
        };
        // What has no JSON value of its own: None, an expression (`{"expr": "CROSS_ENTROPY_IGNORE_IDX"}`), a dict literal.
        var none = !hasDefault ? null : fallback switch
        {
            { ValueKind: JsonValueKind.Null } => "Default: `None`.",
            { ValueKind: JsonValueKind.Object } o => $"Default: `{(o.TryGetProperty("expr", out var expression) ? expression.GetString() : o.GetRawText())}`.",
            _ => null,
        };
        return new SchemaKeyInfo
        {
            Path = path,
            MarkdownDescription = Join([.. words, none]),
            Types = values is not null ? ["string"] : types,
            // Only a default the key really has (not one borrowed from another recipe for its type).
            Default = hasDefault ? node : null,
            AllowedValues = values?.Select(v => (JsonNode?)JsonValue.Create(v)).ToList() ?? (types is ["boolean"] ? PythonBooleans : []),
        };
    }

    private static Role? RoleOf(string key) => Roles.FirstOrDefault(r => key == r.Name
        || key.EndsWith("_" + r.Name, StringComparison.Ordinal) || key.StartsWith(r.Name + "_", StringComparison.Ordinal));

    /// <summary>The role's components, one path per callable (torchtune re-exports: <c>torchtune.training.X</c> over
    /// <c>torchtune.training.checkpointing.X</c>), in path order.</summary>
    private static IReadOnlyList<JsonNode?> Members(Role role, TorchtuneComponents data) =>
        RoleMembers.GetOrAdd(role.Name, _ => Distinct(data.Components.Values.Where(c => role.Includes(c.Path[(c.Path.LastIndexOf('.') + 1)..], c))));

    /// <summary>A component of no known role: the others of its module.</summary>
    private static IReadOnlyList<JsonNode?> Siblings(TorchtuneComponent component, TorchtuneComponents data)
    {
        var module = component.Path[..Math.Max(0, component.Path.LastIndexOf('.'))];
        return RoleMembers.GetOrAdd("module:" + module, _ => Distinct(data.Components.Values.Where(c => c.Path.LastIndexOf('.') == module.Length && c.Path.StartsWith(module + ".", StringComparison.Ordinal))));
    }

    private static List<JsonNode?> Distinct(IEnumerable<TorchtuneComponent> components) => components
        .GroupBy(c => c.Defined == "external" ? c.Path : c.Defined + " " + c.Path[(c.Path.LastIndexOf('.') + 1)..])
        .Select(g => g.OrderBy(c => c.Path.Length).ThenBy(c => c.Path, StringComparer.Ordinal).First().Path)
        .Order(StringComparer.Ordinal)
        .Select(p => (JsonNode?)JsonValue.Create(p))
        .ToList();

    private static string? Join(IEnumerable<string?> parts)
    {
        var text = string.Join("\n\n", parts.Where(p => !string.IsNullOrEmpty(p)));
        return text.Length == 0 ? null : text;
    }

    /// <summary>A default as Python prints it (<c>True</c>, <c>None</c>, <c>'allgather'</c>).</summary>
    private static string Python(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        _ => value.GetRawText(),
    };
}
