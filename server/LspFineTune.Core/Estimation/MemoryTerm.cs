using LspFineTune.Core.Dialects;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// One named part of per-GPU peak memory. <see cref="Name"/> is the snake_case key of the JSON breakdown,
/// <see cref="Formula"/> the formula with this plan's numbers, <see cref="Source"/> where the formula comes from,
/// and <see cref="DrivenBy"/> the plan fields that change it (for "related information" on an OOM).
/// </summary>
public sealed record MemoryTerm(string Name, long Bytes, string Formula, string Source)
{
    public IReadOnlyList<PlanField> DrivenBy { get; init; } = [];
}

/// <summary>Names of the breakdown terms, shared by the estimator, the CLI and the editor.</summary>
public static class MemoryTermNames
{
    public const string Weights = "weights";
    public const string Gradients = "gradients";
    public const string OptimizerStates = "optimizer_states";
    public const string OptimizerStepBuffers = "optimizer_step_buffers";
    public const string AutocastWeightCopies = "autocast_weight_copies";
    public const string Activations = "activations";
    public const string LogitsAndLoss = "logits_and_loss";
    public const string ReferenceModel = "reference_model";
    public const string RewardAndValueModels = "reward_and_value_models";
    public const string Generation = "generation";
    public const string SensitivityPass = "sensitivity_pass";
    public const string Zero3GatherBuffers = "zero3_gather_buffers";
    public const string CommunicationBuffers = "communication_buffers";
    public const string Overhead = "overhead";

    /// <summary>The order the breakdown is printed in.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Weights, Gradients, OptimizerStates, OptimizerStepBuffers, AutocastWeightCopies, Activations, LogitsAndLoss,
        ReferenceModel, RewardAndValueModels, Generation, SensitivityPass, Zero3GatherBuffers, CommunicationBuffers, Overhead,
    ];
}
