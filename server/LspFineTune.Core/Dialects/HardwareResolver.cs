using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects;

/// <summary>A hardware fact a dialect found in its own files: the native <c>hardware:</c> section, an accelerate config.</summary>
public sealed record OwnHardware(string? Gpu, int? GpusPerNode, int? Nodes, ValueOrigin Origin)
{
    public PropertyNode? GpuProperty { get; init; }

    public PropertyNode? GpusPerNodeProperty { get; init; }

    public PropertyNode? NodesProperty { get; init; }

    /// <summary>Where a fact without a key of its own was found (torchtune's <c>tune run --nproc_per_node</c> comment).</summary>
    public TextRange? Anchor { get; init; }

    /// <summary>A few words on where the facts came from when no key holds them alone ("preset zero3 (trl)", "the `tune run` comment").</summary>
    public string? Detail { get; init; }

    /// <summary>The file the properties are in (a launch file such as an accelerate config), null for the document.</summary>
    public string? FilePath { get; init; }

    /// <summary>The document's key that names that file (TRL's <c>accelerate_config:</c>), null when none does.</summary>
    public PropertyNode? Via { get; init; }

    public static readonly OwnHardware None = new(null, null, null, ValueOrigin.Document);
}

/// <summary>
/// Resolves the GPU type and count, which no real format states, first match wins (CONFIG.md): command-line flags,
/// the modeline, the dialect's own facts (native <c>hardware:</c>, launch files), editor settings, the default.
/// Each part records its source so the code lens, hover and CLI can say where it came from.
/// </summary>
public static class HardwareResolver
{
    public static HardwareChoice? Resolve(DocumentContext document, BindingOptions options, OwnHardware own, PlanProvenance provenance, List<Diagnostic> diagnostics)
    {
        var modeline = document.Modeline;
        var flags = options.Flags ?? new HardwareFlags();
        // Defaults are reported at the modeline when there is one, else where the dialect anchored the field.
        ValueSource Defaults(PlanField field) => new(options.DefaultsOrigin) { Anchor = ModelineAnchor(modeline) ?? provenance.Of(field).Anchor };

        var (gpuName, gpuSource) =
            flags.Gpu is { } flagGpu ? (flagGpu, new ValueSource(ValueOrigin.Flag) { Detail = "--gpu" })
            : modeline.Gpu is { } modelineGpu ? (modelineGpu, new ValueSource(ValueOrigin.Modeline) { Anchor = modeline.Ranges["gpu"] })
            : own.Gpu is { } ownGpu ? (ownGpu, Own(own, own.GpuProperty))
            : (options.DefaultGpu, Defaults(PlanField.Gpu) with { Detail = options.DefaultsOrigin == ValueOrigin.Settings ? "lft.defaultGpu" : null });
        var (gpusPerNode, countSource) =
            flags.GpusPerNode is { } flagCount ? (flagCount, new ValueSource(ValueOrigin.Flag) { Detail = "--gpus-per-node" })
            : modeline.GpusPerNode is { } modelineCount ? (modelineCount, new ValueSource(ValueOrigin.Modeline) { Anchor = modeline.Ranges["gpus_per_node"] })
            : own.GpusPerNode is { } ownCount ? (ownCount, Own(own, own.GpusPerNodeProperty))
            : (options.DefaultGpusPerNode, Defaults(PlanField.GpusPerNode));
        var (nodes, nodesSource) =
            flags.Nodes is { } flagNodes ? (flagNodes, new ValueSource(ValueOrigin.Flag) { Detail = "--nodes" })
            : modeline.Nodes is { } modelineNodes ? (modelineNodes, new ValueSource(ValueOrigin.Modeline) { Anchor = modeline.Ranges["nodes"] })
            : own.Nodes is { } ownNodes ? (ownNodes, Own(own, own.NodesProperty))
            : (options.DefaultNodes, Defaults(PlanField.Nodes));
        provenance.Set(PlanField.Gpu, gpuSource);
        provenance.Set(PlanField.GpusPerNode, countSource);
        provenance.Set(PlanField.Nodes, nodesSource);

        foreach (var (word, range) in modeline.Unknown)
        {
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownModelineSetting,
                $"`{word}` is not a modeline setting; it is ignored. The `# lft:` comment takes `config`, `dialect=ID`, `gpu=ID`, `gpus_per_node=N`, `nodes=N`, `accelerate=PATH`, `recipe=NAME`, `longest_tokens=N` and `mean_tokens=N` (e.g. `# lft: gpu=h100-sxm gpus_per_node=8`).",
                range));
        }
        foreach (var (_, range, problem) in modeline.Invalid)
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.OutOfRange, problem, range));

        var gpu = GpuCatalog.Default.Find(gpuName);
        if (gpu is null)
        {
            var suggestions = GpuCatalog.Default.Suggest(gpuName);
            // A size no variant has ("A800 48GB") lists the variants rather than one guess.
            var hint = GpuCatalog.Default.DidYouMean(gpuName);
            var where = gpuSource.Origin switch
            {
                ValueOrigin.Flag => " (from --gpu)",
                ValueOrigin.Settings => " (from the setting lft.defaultGpu)",
                _ => "",
            };
            diagnostics.Add(new Diagnostic(DiagnosticCodes.UnknownGpu, DiagnosticSeverity.Error,
                $"Unknown GPU `{gpuName}`{where}.{hint} Use a catalog id such as a100-80gb, h100-sxm, l4, rtx-4090 (`lft gpus` lists them), or `cpu` for the bundled trainer.",
                provenance.ValueRange(PlanField.Gpu))
            {
                Data = suggestions.Count > 0 ? new Dictionary<string, string> { ["suggestion"] = suggestions[0] } : new Dictionary<string, string>(),
            });
            return null;
        }
        gpusPerNode = Math.Max(1, gpusPerNode);
        nodes = Math.Max(1, nodes);
        // torch.distributed numbers processes with 32-bit ranks: a world larger than that cannot be launched.
        if ((long)gpusPerNode * nodes > Modeline.MaxCount)
        {
            var usable = Modeline.MaxCount / gpusPerNode;
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.OutOfRange,
                $"{gpusPerNode:N0} GPUs per node x {nodes:N0} nodes is {(long)gpusPerNode * nodes:N0} processes, more than torch.distributed can number (ranks are 32-bit, at most {Modeline.MaxCount:N0}); the estimate uses {usable:N0} node{(usable == 1 ? "" : "s")}. State the real counts.",
                provenance.ValueRange(PlanField.Nodes)));
            nodes = usable;
        }
        return new HardwareChoice { Gpu = gpu, GpusPerNode = gpusPerNode, Nodes = nodes };
    }

    // A key in another file (a launch file) is no key of the document: the anchor says where the document reports it.
    private static ValueSource Own(OwnHardware own, PropertyNode? property) =>
        new(own.Origin) { Property = property, FilePath = own.FilePath, Anchor = property is null || own.FilePath is not null ? own.Anchor : null, Detail = own.Detail, Via = own.Via };

    private static TextRange? ModelineAnchor(Modeline modeline) => modeline.Line is { } line ? TextRange.At(line, 0) : null;

    /// <summary>"on 8 x H100 SXM5 80GB, from the modeline": how outputs name the hardware and its source.</summary>
    public static string Describe(ValueSource source) => source.Origin switch
    {
        ValueOrigin.Flag => "from the command line",
        ValueOrigin.Modeline => "from the modeline",
        ValueOrigin.Document => "from the config",
        ValueOrigin.LaunchFile => source.Detail is { } launchFile ? $"from {launchFile}" : "from the launch file",
        ValueOrigin.Settings => "from the editor settings",
        // A dialect may say where its launcher would take the count from (LLaMA-Factory: NPROC_PER_NODE, NNODES).
        _ => "assumed (set it with a `# lft: gpu=ID gpus_per_node=N` comment)" + (source.Detail is { } launcher ? $"; {launcher}" : ""),
    };

    /// <summary>The hardware's source for the code lens and hovers: the GPU's, or, when only the count was stated (an
    /// accelerate config gives the processes, never the GPU type), the count's with the GPU type's after it.</summary>
    public static string Describe(PlanProvenance provenance)
    {
        var gpu = provenance.Of(PlanField.Gpu);
        var count = provenance.Of(PlanField.GpusPerNode);
        if (count.Origin is ValueOrigin.Default or ValueOrigin.Settings || count.Origin == gpu.Origin)
            return Describe(gpu);
        if (gpu.Origin is not (ValueOrigin.Default or ValueOrigin.Settings))
            return $"{Describe(gpu)}, the count {Describe(count)}";
        return $"{Describe(count)}; the GPU type {(gpu.Origin == ValueOrigin.Settings ? "from the editor settings" : "assumed (set it with a `# lft: gpu=ID` comment)")}";
    }
}
