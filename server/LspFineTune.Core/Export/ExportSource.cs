using System.Globalization;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Export;

/// <summary>How the exported file names the model: a Hugging Face id (or catalog name), a folder, or neither (the
/// native format's inline architecture).</summary>
public enum ModelReferenceKind { Name, Folder, Inline }

public sealed record ModelReference(ModelReferenceKind Kind, string Text);

/// <summary>
/// What every exporter reads besides the plan: the model as the user named it, paths made relative to the folder of the
/// file written (where it is read from), the hardware as a modeline, and the notes of what a target cannot say.
/// </summary>
public sealed class ExportSource(ConfigAnalysis analysis, TrainingPlan plan, string outputPath)
{
    private readonly List<string> _notes = [];

    public ConfigAnalysis Analysis => analysis;

    public TrainingPlan Plan => plan;

    public string OutputPath { get; } = Path.GetFullPath(outputPath);

    public string OutputFolder => Path.GetDirectoryName(OutputPath)!;

    public IReadOnlyList<string> Notes => _notes;

    public void Note(string note)
    {
        if (!_notes.Contains(note))
            _notes.Add(note);
    }

    /// <summary>The config's own spelling of the model when it wrote one (an id as typed, a folder re-based on the output's
    /// folder), else the catalog's Hugging Face id.</summary>
    public ModelReference Model()
    {
        var origin = plan.Model.Origin;
        if (origin?.Kind == ModelSourceKind.Inline)
            return new ModelReference(ModelReferenceKind.Inline, plan.Model.Id);
        if (origin?.Kind == ModelSourceKind.Folder && Path.GetDirectoryName(origin.Detail) is { } folder)
            return new ModelReference(ModelReferenceKind.Folder, Relative(folder));
        if (origin?.Kind != ModelSourceKind.Builder && analysis.Provenance.Of(PlanField.Model) is { InDocument: true, Property.Value: ScalarNode { IsNull: false } written })
            return new ModelReference(ModelReferenceKind.Name, written.Value.Trim());
        return new ModelReference(ModelReferenceKind.Name, ModelCatalog.Default.Find(plan.Model.Id)?.HfId ?? plan.Model.Id);
    }

    /// <summary>A file or folder as the written file should name it: relative to its folder, with forward slashes.</summary>
    public string Relative(string path)
    {
        var relative = Path.GetRelativePath(OutputFolder, Path.GetFullPath(path)).Replace('\\', '/');
        return relative.StartsWith("../", StringComparison.Ordinal) || relative.StartsWith('/') ? relative : "./" + relative;
    }

    /// <summary>The <c># lft:</c> modeline for formats without hardware keys: the GPU, the counts, and lengths the
    /// original stated there (the data is not at hand).</summary>
    public string Modeline()
    {
        var hardware = plan.Hardware;
        var words = new List<string> { $"gpu={hardware.Gpu.Id}", $"gpus_per_node={Count(hardware.GpusPerNode)}" };
        if (hardware.Nodes > 1)
            words.Add($"nodes={Count(hardware.Nodes)}");
        var stated = analysis.Binding?.Document.Modeline;
        if (stated?.LongestTokens is { } longest)
            words.Add($"longest_tokens={Count(longest)}");
        if (stated?.MeanTokens is { } mean)
            words.Add($"mean_tokens={Count(mean)}");
        return "lft: " + string.Join(' ', words);
    }

    /// <summary>The plan's parts no target of this project writes (memory savers, preference objectives, DoRA, ...), as
    /// notes; <paramref name="target"/> names the format in them.</summary>
    public void NoteCommonLosses(string target, bool objectives = false, bool savers = false)
    {
        if (!objectives && plan.Objective.Type is not (TrainingObjective.Sft or TrainingObjective.Pretrain))
            Note($"the objective ({plan.Objective.Type.ToString().ToUpperInvariant()}: its reference model and pairs) is not written: the {target} file trains SFT; the estimate is for SFT.");
        if (!savers && plan.Savers != new MemorySaversChoice())
            Note($"the memory savers (loss kernel, activation offloading, Liger kernels, parallel groups, compile) are not written; the {target} file is estimated without them.");
        if (plan.Method.Type == FineTuneMethod.Lora && plan.Method.Lora.UseDora)
            Note("DoRA (use_dora) is not written: the adapters are plain LoRA.");
        if (plan.Method.Type == FineTuneMethod.Lora && plan.Method.Lora.ModulesToSave.Count > 0)
            Note($"modules_to_save ({string.Join(", ", plan.Method.Lora.ModulesToSave)}) is not written.");
        if (plan.Model.Stored is not null)
            Note("the checkpoint's stored quantization is the model's own (its name says it); the base is written as given.");
        if (plan.Data.TrainPath is null && analysis.Provenance.Written(PlanField.DataTrain) is { } data)
            Note($"the data the config names (`{data.Key.Value}`) is not written: only a local JSON-lines file is carried over; name the data in the {target} file.");
        if (plan.DeepSpeed.ExpertParallelSize > 1)
            Note($"expert parallelism ({plan.DeepSpeed.ExpertParallelSize} GPUs per expert group) is not written.");
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
