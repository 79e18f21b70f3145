using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// axolotl's memory savers (axolotl-ai-cloud/axolotl@067b021): <c>chunked_cross_entropy</c> and
/// <c>chunked_cross_entropy_num_chunks</c> (config.py 978-990, monkeypatch/loss/chunked.py), the Liger and
/// cut-cross-entropy plugins (integrations/liger/args.py 55, integrations/cut_cross_entropy/args.py 33: their keys are
/// merged only when the plugin is listed in <c>plugins:</c>), <c>activation_offloading</c> and the deprecated
/// <c>gradient_checkpointing: offload</c> (validation.py 1426-1441), <c>context_parallel_size</c>,
/// <c>tensor_parallel_size</c> and <c>torch_compile</c>.
/// </summary>
public static class AxolotlSavers
{
    /// <summary>
    /// What a fix may switch on in axolotl's own keys: <c>chunked_cross_entropy: true</c> (a core key; the Liger and
    /// cut-cross-entropy plugins also need a <c>plugins:</c> entry, not offered) and <c>activation_offloading: true</c>.
    /// </summary>
    public static IReadOnlyList<PlanChange> Options(MappingNode root, TrainingPlan plan)
    {
        var options = new List<PlanChange>();
        if (plan.Savers.Loss == LossKernel.Standard)
        {
            var chunks = NullableLong(root, "chunked_cross_entropy_num_chunks") is > 0 and var n ? (int)Math.Min(n, 1 << 16) : MemorySaversChoice.DefaultLossChunks;
            options.Add(new PlanChange(PlanField.LossKernel, new LossChoice(LossKernel.Chunked, ChunkSplit.LogitsViews, chunks, Compiled: true, plan.Savers.LigerRmsNorm, plan.Savers.LigerGatedMlp)));
        }
        if (plan.Savers.Offload == ActivationOffload.None)
            options.Add(new PlanChange(PlanField.ActivationOffload, ActivationOffload.Streams));
        return options;
    }

    public static MemorySaversChoice Bind(MappingNode root, bool checkpointing, int contextParallel)
    {
        var savers = new MemorySaversChoice { ContextParallelSize = Math.Max(1, contextParallel) };
        var plugins = root.Find("plugins")?.Value is SequenceNode list
            ? list.Items.OfType<ScalarNode>().Select(i => i.Value).ToList()
            : [];
        bool Plugin(string part) => plugins.Any(p => p.Contains(part, StringComparison.Ordinal));
        // The Liger plugin's block kernels (integrations/liger/args.py: liger_rms_norm, liger_glu_activation).
        if (Plugin("liger"))
            savers = savers with { LigerRmsNorm = Bool(root, "liger_rms_norm", false), LigerGatedMlp = Bool(root, "liger_glu_activation", false) };
        if (Plugin("cut_cross_entropy") && (Scalar(root, "cut_cross_entropy")?.AsBoolean() ?? true))
            savers = savers with { Loss = LossKernel.CutCrossEntropy };
        else if (Plugin("liger") && Bool(root, "liger_fused_linear_cross_entropy", false))
            savers = savers with { Loss = LossKernel.LigerFused };
        else if (Bool(root, "chunked_cross_entropy", false))
        {
            // The patch replaces transformers' ForCausalLMLoss: the model's full logits are split into views, and each
            // chunk's upcast and cross-entropy run under torch.compile (_build_chunked_ce_loss_fn).
            var chunks = NullableLong(root, "chunked_cross_entropy_num_chunks") is > 0 and var n ? (int)Math.Min(n, 1 << 16) : MemorySaversChoice.DefaultLossChunks;
            savers = savers with { Loss = LossKernel.Chunked, ChunkSplit = ChunkSplit.LogitsViews, LossChunks = chunks, LossCompiled = true };
        }

        // activation_offloading: true, disk and hidden_states use TRL's OffloadActivations with streams; legacy is the
        // synchronous checkpoint wrapper (trainers/mixins/activation_checkpointing.py 113-140). gradient_checkpointing:
        // offload means activation_offloading: true. axolotl refuses offloading without checkpointing.
        var offload = Scalar(root, "activation_offloading");
        var legacyOffload = Scalar(root, "gradient_checkpointing")?.Value is "offload" or "offload_disk";
        if (checkpointing && (legacyOffload || offload is { IsNull: false } && offload.AsBoolean() != false))
            savers = savers with { Offload = offload?.Value == "legacy" ? ActivationOffload.Synchronous : ActivationOffload.Streams };

        if (NullableLong(root, "tensor_parallel_size") is > 1 and var tp)
            savers = savers with { TensorParallelSize = (int)Math.Min(tp, 1024) };
        if (Scalar(root, "torch_compile") is { IsNull: false } compile && (compile.AsBoolean() == true || compile.Value == "auto"))
            savers = savers with { Compile = true };
        return savers;
    }
}
