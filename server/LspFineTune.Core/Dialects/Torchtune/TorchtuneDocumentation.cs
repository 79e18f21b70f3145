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
/// it does where we know; inside a section with a <c>_component_</c> the keys are that callable's parameters with their
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

    private static readonly Dictionary<string, Note> TopLevelNotes = new(StringComparer.Ordinal)
    {
        ["batch_size"] = new("Examples per GPU in each forward and backward pass. Activation memory grows about linearly with it; a larger batch keeps the GPU busier per step."),
        ["gradient_accumulation_steps"] = new("Forward and backward passes per optimizer step: the effective batch grows without more activation memory, and each optimizer step takes that many passes. Not with `optimizer_in_bwd: True`."),
        ["enable_activation_checkpointing"] = new("Recompute each layer's activations in the backward pass instead of keeping them: much less activation memory for roughly a third more compute per step."),
        ["enable_activation_offloading"] = new("Move the activations saved for the backward pass to CPU memory and back: less GPU memory, at the cost of host transfers (overlapped with compute on a second stream)."),
        ["activation_offloading_use_streams"] = new("Overlap activation offloading's transfers with compute on a separate CUDA stream: faster, slightly more GPU memory."),
        ["dtype"] = new("Precision of the weights, gradients and optimizer states: torchtune trains in pure bf16 (no fp32 master copy), so bf16 needs half fp32's memory. torchtune refuses fp16.", ["bf16", "fp32"]),
        ["compile"] = new("torch.compile the model and the loss: faster steps, often less activation memory, after a one-off compilation when training starts."),
        ["optimizer_in_bwd"] = new("Run the optimizer step for each parameter during the backward pass and free its gradient at once: the whole model's gradients are never held together. Not with gradient accumulation."),
        ["fsdp_cpu_offload"] = new("Distributed recipes: keep parameters, gradients and optimizer states in CPU memory and step the optimizer on the CPU (FSDP2's CPUOffloadPolicy): far less GPU memory, much slower steps."),
        ["fsdp_reshard_after_forward"] = new("Distributed recipes: free each layer's gathered parameters after its forward pass and gather them again for the backward: less memory for one more all-gather per layer."),
        ["custom_sharded_layers"] = new("Distributed recipes: modules FSDP2 shards as units of their own besides the layers (such as `['tok_embeddings', 'output']`), so their large weights are not gathered together with the root."),
        ["tensor_parallel_dim"] = new("Distributed recipes: GPUs each layer is split across with tensor parallelism (1: none). Less memory per GPU, more communication per layer."),
        ["data_parallel_shard_dim"] = new("Distributed recipes: GPUs the model is sharded across with FSDP2 (-1: all those left after the other dimensions)."),
        ["data_parallel_replicate_dim"] = new("Distributed recipes: replicas of the sharded model (HSDP); more memory per GPU than sharding across all of them, less communication."),
        ["context_parallel_dim"] = new("Distributed recipes: GPUs each sequence is split across (context parallelism), for sequences too long for one GPU's activation memory."),
        ["epochs"] = new("Passes over the dataset: the run time is proportional."),
        ["max_steps_per_epoch"] = new("Stop each epoch after this many optimizer steps (null: the whole dataset). Bounds the run time; no effect on memory."),
        ["clip_grad_norm"] = new("Clip the gradients' norm to this value before each step (null: no clipping)."),
        ["seed"] = new("Random seed (null: a random one)."),
        ["shuffle"] = new("Shuffle the dataset each epoch."),
        ["device"] = new("Where training runs: `cuda`, `cpu`, `xpu`, `npu`, `mps`."),
        ["output_dir"] = new("Where checkpoints and logs go; other keys refer to it as `${output_dir}`."),
        ["resume_from_checkpoint"] = new("Resume from the checkpointer's recipe state (optimizer, epoch, seed) instead of starting over."),
        ["log_peak_memory_stats"] = new("Log the GPU's peak memory each time metrics are logged: the number to compare the estimate with."),
        ["log_every_n_steps"] = new("Log metrics every this many optimizer steps."),
        ["enable_async_checkpointing"] = new("Save checkpoints in the background (distributed checkpointing) so training does not wait for them."),
        ["save_adapter_weights_only"] = new("LoRA recipes: save only the adapter weights, not the merged model: faster, much smaller checkpoints."),
        ["low_cpu_ram"] = new("Load the checkpoint with less host memory (mmap), for machines whose RAM is close to the model's size."),
        ["cudnn_deterministic_mode"] = new("Make cuDNN deterministic (null: leave it as it is): reproducible, sometimes slower."),
        ["enable_fp8_training"] = new("Train the linear layers in float8 (torchao): faster matrix multiplications on Hopper and later GPUs."),
        ["collate_fn"] = new("The function that batches examples (a dotted path)."),
    };

    private static readonly Dictionary<string, Note> SectionNotes = new(StringComparer.Ordinal)
    {
        ["model"] = new("The model: `_component_` names a builder (its architecture; `lora_` and `qlora_` builders add adapters), the other keys are the builder's arguments."),
        ["tokenizer"] = new("The tokenizer: `_component_` names it, the other keys are its arguments (`path`, `max_seq_len`)."),
        ["checkpointer"] = new("How weights are loaded and saved: `_component_` names the checkpointer, the other keys are its arguments."),
        ["optimizer"] = new("The optimizer: `_component_` names its class, the other keys are its arguments (the recipe passes the parameters). Its states are a large part of the memory: two fp32-sized moments per trained parameter for AdamW, a quarter of that for 8-bit optimizers."),
        ["loss"] = new("The loss: `_component_` names it. Chunked and linear cross-entropy losses never hold the full logits, which saves memory at long sequence lengths and large vocabularies."),
        ["dataset"] = new("The training data: `_component_` names a dataset builder, the other keys are its arguments."),
        ["lr_scheduler"] = new("The learning-rate schedule: `_component_` names it, the other keys are its arguments (the recipe passes the optimizer)."),
        ["metric_logger"] = new("Where metrics go: `_component_` names the logger."),
        ["profiler"] = new("The PyTorch profiler: `_component_` names its setup, `enabled` turns it on (profiling slows the steps it records)."),
        ["quantizer"] = new("The quantizer of quantization-aware training or of `tune run quantize`."),
    };

    private static readonly Dictionary<string, Note> ParameterNotes = new(StringComparer.Ordinal)
    {
        ["lora_rank"] = new("Rank of the LoRA adapters: their parameters, gradients and optimizer states grow linearly with it (small next to the frozen base)."),
        ["lora_alpha"] = new("Scale of the adapters' update (alpha / rank); no effect on memory or time."),
        ["lora_dropout"] = new("Dropout on the adapters' input."),
        ["lora_attn_modules"] = new("The attention projections that get adapters (`q_proj`, `k_proj`, `v_proj`, `output_proj`): each adds adapter parameters and a little compute."),
        ["apply_lora_to_mlp"] = new("Adapters on the MLP projections too: more trained parameters and adapter memory."),
        ["apply_lora_to_output"] = new("An adapter on the output projection (its input is the hidden size, its output the vocabulary)."),
        ["quantize_base"] = new("Keep the frozen base weights in NF4 (QLoRA): about a quarter of bf16's weight memory, with dequantization time in every step."),
        ["use_dora"] = new("DoRA: adapters with a learned magnitude per output; a little more memory and time than LoRA."),
        ["max_seq_len"] = new("Truncate each example to this many tokens (null: no truncation). Activation memory grows with it, and attention time faster."),
        ["packed"] = new("Pack several examples into each `max_seq_len` sequence: no padding, so fewer steps per epoch; needs the tokenizer's `max_seq_len`."),
        ["fused"] = new("torch's fused kernel for the optimizer step: a faster step, the same memory."),
        ["num_warmup_steps"] = new("Steps over which the learning rate ramps up from zero."),
    };

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
            return Section(name, name, written, [SectionNotes.GetValueOrDefault(name)?.Text ?? SectionNotes.GetValueOrDefault(RoleOf(name)?.Name ?? "")?.Text, readBy], data, 0);
        JsonElement? fallback = recipe?.KeyDefaults.TryGetValue(name, out var own) == true ? own : null;
        // A required key has no default of its own; another recipe's default still tells its type.
        var typed = fallback is { ValueKind: not JsonValueKind.Null } ? fallback : AnyRecipeDefaults.Value.TryGetValue(name, out var other) ? other : fallback;
        var note = TopLevelNotes.GetValueOrDefault(name);
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
            var about = new[] { ParameterNotes.GetValueOrDefault(parameter.Name)?.Text, $"Argument of `{name}`{(parameter.Required ? ", required" : "")}." };
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
        var none = hasDefault && fallback is { ValueKind: JsonValueKind.Null } ? "Default: `None`." : null;
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
