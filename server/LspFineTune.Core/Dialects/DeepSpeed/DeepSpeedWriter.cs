using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>
/// Writes a ZeRO stage and offload where a trainer config keeps them: into the DeepSpeed JSON it names (a minimal
/// edit of that file), into an inline <c>deepspeed:</c> mapping, by switching a shipped preset for the one that has
/// them, or, when the config names none, by creating a companion JSON next to it and naming it from the config.
/// </summary>
public static class DeepSpeedWriter
{
    public sealed record Target(int Stage, OffloadTarget OffloadOptimizer, OffloadTarget OffloadParams);

    /// <param name="reference">What the config's key leads to now; null when it has none.</param>
    /// <param name="keyName">The trainer config's key for the DeepSpeed JSON (<c>deepspeed</c>).</param>
    /// <param name="framework">Whose presets to switch between (<c>axolotl</c>, <c>llamafactory</c>); null for a framework
    /// that ships none (TRL, the HF Trainer): a preset the key names is then switched within the framework that ships it.</param>
    public static IReadOnlyList<FileEdit> Write(DocumentContext document, DeepSpeedReference? reference, string keyName, string? framework, Target target, string? workspaceFolder = null)
    {
        var changes = new List<ConfigChange>
        {
            new("zero_optimization.stage", target.Stage),
            new("zero_optimization.offload_optimizer.device", Device(target.OffloadOptimizer)),
        };
        if (target.Stage == 3 || target.OffloadParams != OffloadTarget.None)
            changes.Add(new("zero_optimization.offload_param.device", Device(target.OffloadParams)));
        switch (reference)
        {
            case { IsInline: true }:
                return Edits(null, document.Tree, Unchanged(reference.Settings!, target, changes).Select(c => c with { Path = keyName + "." + c.Path }).ToList());
            case { Companion: { IsPreset: false, Tree: { } tree } companion } when reference.Settings is { } settings:
                return Edits(companion.Path, tree, Unchanged(settings, target, changes));
            case { Companion: { IsPreset: true } named } when DeepSpeedPresets.For(framework ?? DeepSpeedPresets.Find(named.Path)?.Framework ?? "", target.Stage, target.OffloadOptimizer, target.OffloadParams) is { } preset:
                return SwitchPreset(reference, preset);
        }
        return Create(document, reference?.Key, keyName, target, workspaceFolder);
    }

    private static IReadOnlyList<ConfigChange> Unchanged(DeepSpeedSettings settings, Target target, List<ConfigChange> changes) =>
        changes.Where(c => c.Path switch
        {
            "zero_optimization.stage" => settings.Stage.Value != target.Stage,
            "zero_optimization.offload_optimizer.device" => settings.OffloadOptimizer != target.OffloadOptimizer,
            _ => settings.OffloadParams != target.OffloadParams,
        }).ToList();

    /// <summary>Keeps the folder the user wrote (<c>./deepspeed_configs/</c>) and replaces the preset's own part of the path.</summary>
    private static IReadOnlyList<FileEdit> SwitchPreset(DeepSpeedReference reference, DeepSpeedPreset preset)
    {
        var scalar = (ScalarNode)reference.Key.Value;
        var current = reference.Companion!.Path;
        var written = scalar.Value.Trim();
        var prefix = written.EndsWith(current, StringComparison.OrdinalIgnoreCase) ? written[..^current.Length] : "";
        return [new FileEdit(null, [new TextEdit(scalar.Range, scalar.InSameQuotes(prefix + preset.Name))])];
    }

    private static IReadOnlyList<FileEdit> Create(DocumentContext document, PropertyNode? key, string keyName, Target target, string? workspaceFolder)
    {
        if (document.Path is not { } documentPath)
            return [];
        var folder = Path.GetDirectoryName(documentPath)!;
        var stem = $"ds_zero{target.Stage}" + (target.OffloadOptimizer != OffloadTarget.None ? "_offload_optimizer" : "") + (target.OffloadParams != OffloadTarget.None ? "_offload_param" : "");
        // Never write into a file that is already there: take the first free name.
        var name = stem + ".json";
        for (var n = 2; Files.FileStatus.Of(Path.Combine(folder, name)).Kind != Files.FileKind.Missing; n++)
            name = $"{stem}-{n}.json";
        var path = Path.Combine(folder, name);
        // The frameworks open the path relative to the launch directory: name it from the workspace folder when known.
        if (workspaceFolder is not null && Path.GetRelativePath(workspaceFolder, path) is var relative && !relative.StartsWith("..", StringComparison.Ordinal))
            name = relative.Replace('\\', '/');
        var json = document.Tree.Format == DocumentFormat.Json;
        var value = key?.Value is ScalarNode scalar ? scalar.InSameQuotes(name) : json ? "\"" + name + "\"" : name;
        var reference = key is not null
            ? new TextEdit(key.Value.Range, value)
            : ConfigEditor.ToTextEdits(document.Tree, [new ConfigChange(keyName, name)]).Single();
        return
        [
            new FileEdit(path, [new TextEdit(TextRange.At(0, 0), Content(target))]) { CreatesFile = true },
            new FileEdit(null, [reference]),
        ];
    }

    /// <summary>A complete DeepSpeed JSON whose batch, precision and clipping come from the trainer config ("auto").</summary>
    private static string Content(Target target)
    {
        string Offload(string key, OffloadTarget device) => device == OffloadTarget.None ? "" : $",\n    \"{key}\": {{ \"device\": \"{Device(device)}\", \"pin_memory\": true }}";
        var stage3 = target.Stage == 3 ? ",\n    \"stage3_gather_16bit_weights_on_model_save\": true" : "";
        return $$"""
            {
              "zero_optimization": {
                "stage": {{target.Stage}},
                "overlap_comm": true,
                "contiguous_gradients": true{{stage3}}{{Offload("offload_optimizer", target.OffloadOptimizer)}}{{Offload("offload_param", target.OffloadParams)}}
              },
              "bf16": { "enabled": "auto" },
              "fp16": { "enabled": "auto" },
              "train_micro_batch_size_per_gpu": "auto",
              "gradient_accumulation_steps": "auto",
              "train_batch_size": "auto",
              "gradient_clipping": "auto"
            }

            """;
    }

    private static IReadOnlyList<FileEdit> Edits(string? file, ConfigSyntaxTree tree, IReadOnlyList<ConfigChange> changes) =>
        changes.Count > 0 && ConfigEditor.ToTextEdits(tree, changes) is { Count: > 0 } edits ? [new FileEdit(file, edits)] : [];

    private static string Device(OffloadTarget target) => target.ToConfigName();
}
