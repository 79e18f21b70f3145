using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// torchtune's memory savers (pytorch/torchtune@bd2a0fc, recipes/full_finetune_distributed.py 157-355 and the
/// single-device recipes): the loss component, <c>compile</c>, activation offloading and its streams, selective
/// checkpointing (<c>ac_mode</c>/<c>ac_option</c>), <c>optimizer_in_bwd</c>, <c>tensor_parallel_dim</c> and
/// <c>context_parallel_dim</c>.
/// </summary>
public static class TorchtuneSavers
{
    /// <summary>
    /// What a fix may switch on in torchtune's keys: LinearCrossEntropyLoss (the chunked loss torchtune's own configs use,
    /// compiled when the config compiles the loss) in place of a plain loss, and <c>enable_activation_offloading: True</c>
    /// where the recipe checkpoints.
    /// </summary>
    public static IReadOnlyList<PlanChange> Options(MappingNode root, TrainingPlan plan)
    {
        var options = new List<PlanChange>();
        if (plan.Savers.Loss == LossKernel.Standard && String(Section(root, "loss"), "_component_") is "torch.nn.CrossEntropyLoss" or null)
            options.Add(new PlanChange(PlanField.LossKernel, new LossChoice(LossKernel.Chunked, ChunkSplit.Hidden, MemorySaversChoice.DefaultLossChunks, CompilesLoss(root))));
        if (plan.Savers.Offload == ActivationOffload.None && root.Find("enable_activation_checkpointing") is not null)
            options.Add(new PlanChange(PlanField.ActivationOffload, ActivationOffload.Streams));
        return options;
    }

    /// <summary>compile: a bool, or {model, loss, ...} where loss defaults to True (recipe 343-355).</summary>
    private static bool CompilesLoss(MappingNode root) =>
        Section(root, "compile") is { } compile ? Bool(compile, "loss", true) : Bool(root, "compile", false);

    /// <summary>The savers, and whether checkpointing is on (<c>enable_activation_checkpointing</c> or <c>ac_mode</c>).</summary>
    /// <remarks>A key the recipe does not read (the registry's key list) changes nothing: the LoRA recipes have no
    /// <c>ac_mode</c>, only the full_finetune ones fuse the step into backward.</remarks>
    public static (MemorySaversChoice Savers, bool Checkpointing) Bind(MappingNode root, TorchtuneRecipe? recipe, List<Diagnostic> diagnostics)
    {
        bool Reads(string key) => recipe is null || recipe.Keys.Count == 0 || recipe.Keys.ContainsKey(key);
        var savers = new MemorySaversChoice();
        // compile: a bool, or {model, loss, optimizer_step, scale_grads} where loss defaults to True (recipe 343-355);
        // compile_loss applies the loss's apply_compile_strategy, which compiles its compute_cross_entropy.
        var compileSection = Section(root, "compile");
        var compileModel = compileSection is not null ? Bool(compileSection, "model", true) : Bool(root, "compile", false);
        var compileLoss = CompilesLoss(root);
        savers = savers with { Compile = compileModel };

        // loss._component_ (torchtune/modules/loss): CEWithChunkedOutputLoss makes the model return the head's output per
        // chunk (set_model_output -> set_num_output_chunks); LinearCrossEntropyLoss skips the model's head and runs it per
        // hidden chunk itself. Both take num_output_chunks (default 8).
        var loss = Section(root, "loss");
        var component = String(loss, "_component_") ?? "";
        var chunks = (int)Math.Clamp(NullableLong(loss, "num_output_chunks") ?? MemorySaversChoice.DefaultLossChunks, 1, 1 << 16);
        if (component.EndsWith("CEWithChunkedOutputLoss", StringComparison.Ordinal))
            savers = savers with { Loss = LossKernel.Chunked, ChunkSplit = ChunkSplit.HeadOutputs, LossChunks = chunks, LossCompiled = compileLoss };
        else if (component.EndsWith("LinearCrossEntropyLoss", StringComparison.Ordinal))
            savers = savers with { Loss = LossKernel.Chunked, ChunkSplit = ChunkSplit.Hidden, LossChunks = chunks, LossCompiled = compileLoss };

        // Checkpointing (recipe 653-670): enable_activation_checkpointing wraps every block; otherwise ac_mode full or
        // selective with ac_option k wraps every k-th (training/activations.py). ac_option "op" is selective op checkpointing.
        var checkpointing = Bool(root, "enable_activation_checkpointing", false);
        var acMode = String(root, "ac_mode")?.Trim().ToLowerInvariant();
        if (!checkpointing && acMode is "full" or "selective" && Reads("ac_mode"))
        {
            checkpointing = true;
            var option = Scalar(root, "ac_option");
            if (acMode == "selective" && option?.AsInteger() is >= 2 and var every)
                savers = savers with { CheckpointEvery = (int)Math.Min(every, int.MaxValue) };
            else if (acMode == "selective" && option is { IsNull: false } && option.AsInteger() is null && root.Find("ac_option") is { } property)
                diagnostics.Add(TorchtuneBinder.NotModelled(property, $"Selective op checkpointing (`ac_option: {option.Value}`) saves some matmul outputs of each block; the estimate checkpoints every block fully (an under-estimate of activations)"));
        }

        // Activation offloading (recipe 238-262) needs checkpointing; streams are the default.
        if (checkpointing && Bool(root, "enable_activation_offloading", false) && Reads("enable_activation_offloading"))
            savers = savers with { Offload = Bool(root, "activation_offloading_use_streams", true) ? ActivationOffload.Streams : ActivationOffload.Synchronous };

        if (Bool(root, "optimizer_in_bwd", false) && Reads("optimizer_in_bwd"))
            savers = savers with { OptimizerInBackward = true };
        if (NullableLong(root, "tensor_parallel_dim") is > 1 and var tp && Reads("tensor_parallel_dim"))
            savers = savers with { TensorParallelSize = (int)Math.Min(tp, 1024) };
        if (NullableLong(root, "context_parallel_dim") is > 1 and var cp && Reads("context_parallel_dim"))
            savers = savers with { ContextParallelSize = (int)Math.Min(cp, 1024) };
        return (savers, checkpointing);
    }
}
