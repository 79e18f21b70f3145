using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>A group of same-shaped trainable tensors, for optimizers whose state depends on shape (Adafactor, GaLore).</summary>
public readonly record struct TensorGroup(long Rows, long Columns, long Count, bool IsBlockLinear)
{
    public long Elements => Rows * Columns * Count;
}

/// <summary>
/// Which parameters exist, which are trained and how the frozen ones are stored, for one plan.
/// LoRA counts follow PEFT: r x (in + out) per adapted linear, per expert copy (PEFT prints 4,194,304 for
/// Llama-2-7B with r=8 on q_proj and v_proj: 32 layers x 2 x 8 x (4096 + 4096)).
/// </summary>
public sealed class ParameterBudget
{
    public ParameterBudget(TrainingPlan plan)
    {
        var structure = plan.Model.Structure;
        Structure = structure;
        // A reward model (AutoModelForSequenceClassification) has a score head, h x num_labels, where the LM head was.
        BaseParameters = structure.TotalParameters - (plan.Objective.HasLanguageModelHead ? 0 : structure.LmHeadParameters - ScoreHeadParameters(plan));
        BlockLinearWeights = structure.BlockLinearWeights;
        AdaptedLinears = plan.Method.UsesLora ? LoraTargets.Match(structure, plan.Method.Lora) : [];
        var rank = plan.Method.Lora.Rank;
        // DoRA (peft tuners/lora/dora.py DoraLinearLayer): one trainable magnitude per output row of each adapted linear,
        // an adapter weight like lora_A and lora_B (fp32 under PEFT's autocast_adapter_dtype).
        DoraParameters = plan.Method.Lora.UseDora ? AdaptedLinears.Sum(l => (long)l.OutFeatures * l.Copies * structure.LayersOf(l)) : 0;
        AdapterParameters = AdaptedLinears.Sum(l => (long)rank * (l.InFeatures + l.OutFeatures) * l.Copies * structure.LayersOf(l)) + DoraParameters;
        SavedModules = Estimation.SavedModules.Match(plan);
        SavedModuleParameters = SavedModules.Sum(m => m.Parameters);
        TrainableParameters = plan.Method.Type switch
        {
            FineTuneMethod.Lora => AdapterParameters + SavedModuleParameters,
            FineTuneMethod.ZerothOrder when plan.Method.ZerothOrder.OverLora => AdapterParameters,
            FineTuneMethod.ZerothOrder => (long)Math.Round(BaseParameters * plan.Method.ZerothOrder.TrainableFraction),
            _ => BaseParameters,
        };
        TrainableGroups = BuildTrainableGroups(plan, structure, rank);
        // Routed experts are the linears with several copies; a shared expert has one and stays on every GPU.
        ExpertParameters = structure.LayerLinears.Where(l => l.Copies > 1).Sum(l => l.Parameters * structure.LayersOf(l));
        ExpertAdapterParameters = AdaptedLinears.Where(l => l.Copies > 1).Sum(l => ((long)rank * (l.InFeatures + l.OutFeatures) + (plan.Method.Lora.UseDora ? l.OutFeatures : 0)) * l.Copies * structure.LayersOf(l));
    }

    public ModelStructure Structure { get; }

    /// <summary>Parameters of the base model (shared embeddings counted once).</summary>
    public long BaseParameters { get; }

    /// <summary>Weights of the linear layers inside the blocks: what int8/nf4 quantization stores compactly (biases, norms, embeddings and head stay 16-bit, as bitsandbytes does).</summary>
    public long BlockLinearWeights { get; }

    public IReadOnlyList<LinearModule> AdaptedLinears { get; }

    /// <summary>Parameters of the routed experts (all copies): what expert parallelism splits across GPUs.</summary>
    public long ExpertParameters { get; }

    /// <summary>LoRA adapter parameters on routed experts.</summary>
    public long ExpertAdapterParameters { get; }

    /// <summary>LoRA adapter parameters (lora_A, lora_B and DoRA's magnitudes), without the <see cref="SavedModules"/>.</summary>
    public long AdapterParameters { get; }

    /// <summary>DoRA's magnitude vectors: out_features per adapted linear (0 without DoRA).</summary>
    public long DoraParameters { get; }

    /// <summary>The trainable copies PEFT's modules_to_save keeps beside the frozen originals.</summary>
    public IReadOnlyList<SavedModule> SavedModules { get; }

    /// <summary>Weights of the <see cref="SavedModules"/> copies: extra weights, trained in full.</summary>
    public long SavedModuleParameters { get; }

    /// <summary>Weights of a trained output-head copy: its weight gradient is a matmul in backward (TrainingFlops).</summary>
    public long SavedHeadParameters => SavedModules.Where(m => m.IsOutputHead).Sum(m => m.Parameters);

    /// <summary>Parameters that receive updates: the whole model, the LoRA adapters (with their modules_to_save copies), or the zeroth-order subset.</summary>
    public long TrainableParameters { get; }

    /// <summary>Trainable tensors by shape (full fine-tuning and LoRA; empty for zeroth-order).</summary>
    public IReadOnlyList<TensorGroup> TrainableGroups { get; }

    private static long ScoreHeadParameters(TrainingPlan plan) => (long)plan.Model.Architecture.HiddenSize * plan.Objective.NumLabels;

    private static IReadOnlyList<TensorGroup> BuildTrainableGroups(TrainingPlan plan, ModelStructure structure, int rank)
    {
        var groups = new List<TensorGroup>();
        var layers = structure.Layers;
        switch (plan.Method.Type)
        {
            case FineTuneMethod.Full:
                foreach (var linear in structure.LayerLinears)
                {
                    groups.Add(new TensorGroup(linear.OutFeatures, linear.InFeatures, (long)structure.LayersOf(linear) * linear.Copies, IsBlockLinear: true));
                    if (linear.HasBias)
                        groups.Add(new TensorGroup(1, linear.OutFeatures, (long)structure.LayersOf(linear) * linear.Copies, IsBlockLinear: false));
                }
                var hidden = structure.Architecture.HiddenSize;
                groups.Add(new TensorGroup(1, structure.LayerNormParameters, layers, IsBlockLinear: false));
                groups.Add(new TensorGroup(structure.EmbeddingParameters / hidden, hidden, 1, IsBlockLinear: false));
                if (!plan.Objective.HasLanguageModelHead)
                    groups.Add(new TensorGroup(plan.Objective.NumLabels, hidden, 1, IsBlockLinear: false));
                else if (structure.LmHeadParameters > 0)
                    groups.Add(new TensorGroup(structure.LmHeadParameters / hidden, hidden, 1, IsBlockLinear: false));
                groups.Add(new TensorGroup(1, structure.FinalNormParameters, 1, IsBlockLinear: false));
                // Mixer weights outside linears (conv kernels, A_log, sinks) and the vision tower, as flat vectors: an
                // optimizer that factors matrices (Adafactor) keeps full state for them, which over-counts slightly.
                if (structure.OtherBlockParameters > 0)
                    groups.Add(new TensorGroup(1, structure.OtherBlockParameters, 1, IsBlockLinear: false));
                if (structure.VisionParameters > 0)
                    groups.Add(new TensorGroup(1, structure.VisionParameters, 1, IsBlockLinear: false));
                break;
            case FineTuneMethod.Lora:
                foreach (var linear in LoraTargets.Match(structure, plan.Method.Lora))
                {
                    groups.Add(new TensorGroup(rank, linear.InFeatures, (long)structure.LayersOf(linear) * linear.Copies, IsBlockLinear: false));
                    groups.Add(new TensorGroup(linear.OutFeatures, rank, (long)structure.LayersOf(linear) * linear.Copies, IsBlockLinear: false));
                    if (plan.Method.Lora.UseDora)
                        groups.Add(new TensorGroup(1, linear.OutFeatures, (long)structure.LayersOf(linear) * linear.Copies, IsBlockLinear: false));
                }
                foreach (var saved in Estimation.SavedModules.Match(plan))
                    groups.Add(new TensorGroup(saved.Rows, saved.Columns, 1, IsBlockLinear: false));
                break;
        }
        return groups;
    }
}
