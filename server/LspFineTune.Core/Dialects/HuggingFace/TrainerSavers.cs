using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// The memory savers of trainers built on transformers' <c>TrainingArguments</c>: <c>use_liger_kernel</c> (the Trainer
/// calls Liger's apply_liger_kernel_to_*, whose fused_linear_cross_entropy defaults to True), TRL's SFT
/// <c>loss_type</c> (default <c>chunked_nll</c> unless Liger, trl/trainer/sft_config.py 334-336 at f2cd577) and TRL's
/// <c>activation_offloading</c> (SFT, DPO, KTO and Reward configs; get_act_offloading_ctx_manager uses streams by
/// default), LLaMA-Factory's <c>enable_liger_kernel</c> and <c>use_unsloth_gc</c> (hparams/model_args.py 133-137 at
/// ff6d4d1), and <c>torch_compile</c>.
/// </summary>
public static class TrainerSavers
{
    /// <summary>
    /// What a fix may switch on in TRL: <c>use_liger_kernel: true</c> for SFT (whose loss then is Liger's fused linear
    /// cross-entropy) and <c>activation_offloading: true</c> for the trainers that have it (SFT, DPO, KTO, Reward).
    /// </summary>
    public static IReadOnlyList<PlanChange> TrlOptions(TrainingPlan plan, bool sft, bool hasActivationOffloading)
    {
        var options = new List<PlanChange>();
        if (sft && plan.Savers.Loss is LossKernel.Standard or LossKernel.ChunkedNll)
            options.Add(new PlanChange(PlanField.LossKernel, new LossChoice(LossKernel.LigerFused, LigerRmsNorm: true, LigerGatedMlp: true)));
        if (hasActivationOffloading && plan.Savers.Offload == ActivationOffload.None)
            options.Add(new PlanChange(PlanField.ActivationOffload, ActivationOffload.Streams));
        return options;
    }

    /// <summary>LLaMA-Factory: <c>enable_liger_kernel: true</c> where the stage takes the fused loss, and <c>use_unsloth_gc: true</c>.</summary>
    public static IReadOnlyList<PlanChange> LlamaFactoryOptions(MappingNode root, TrainingPlan plan)
    {
        var options = new List<PlanChange>();
        if (plan.Savers.Loss == LossKernel.Standard && (String(root, "stage") ?? "sft") is "pt" or "sft")
            options.Add(new PlanChange(PlanField.LossKernel, new LossChoice(LossKernel.LigerFused, LigerRmsNorm: true, LigerGatedMlp: true)));
        if (plan.Savers.Offload == ActivationOffload.None)
            options.Add(new PlanChange(PlanField.ActivationOffload, ActivationOffload.Synchronous));
        return options;
    }

    /// <summary>TRL: <paramref name="sft"/> for the SFT trainer, whose default loss is chunked.</summary>
    public static MemorySaversChoice Trl(MappingNode root, bool sft)
    {
        var liger = Bool(root, "use_liger_kernel", false);
        var savers = Common(root, liger);
        if (liger)
        {
            // The Trainer applies Liger with liger_kernel_config's switches over apply_liger_kernel_to_*'s defaults
            // (rms_norm and swiglu on).
            var config = Section(root, "liger_kernel_config");
            savers = savers with
            {
                Loss = Bool(config, "fused_linear_cross_entropy", true) ? LossKernel.LigerFused : LossKernel.Standard,
                LigerRmsNorm = Bool(config, "rms_norm", true),
                LigerGatedMlp = Bool(config, "swiglu", true) && Bool(config, "geglu", true),
            };
        }
        if (sft && savers.Loss == LossKernel.Standard && (String(root, "loss_type") ?? (liger ? "nll" : "chunked_nll")) == "chunked_nll")
            savers = savers with { Loss = LossKernel.ChunkedNll };
        if (Bool(root, "activation_offloading", false))
            savers = savers with { Offload = ActivationOffload.Streams };
        return savers;
    }

    /// <summary>
    /// LLaMA-Factory: Liger's fused linear cross-entropy only where the stage needs no logits (pt and sft;
    /// model_utils/liger_kernel.py turns it off otherwise, keeping Liger's plain cross-entropy, estimated as the standard
    /// loss). use_unsloth_gc checkpoints with UnslothGradientCheckpointing, which moves each block input to the host with
    /// <c>.to("cpu", non_blocking=True)</c> on the compute stream (model_utils/checkpointing.py).
    /// </summary>
    public static MemorySaversChoice LlamaFactory(MappingNode root, string stage, bool checkpointing)
    {
        // Every stage gets Liger's RMSNorm and SwiGLU; only the fused loss depends on the stage.
        var anyLiger = Bool(root, "enable_liger_kernel", false) || Bool(root, "use_liger_kernel", false);
        var savers = Common(root, anyLiger && stage is "pt" or "sft") with { LigerRmsNorm = anyLiger, LigerGatedMlp = anyLiger };
        if (checkpointing && Bool(root, "use_unsloth_gc", false))
            savers = savers with { Offload = ActivationOffload.Synchronous };
        return savers;
    }

    /// <summary>
    /// LLaMA-Factory v1's <c>kernel_config: {name: liger_kernel}</c> (v1/plugins/model_plugins/kernels/liger_kernel_ops.py
    /// at ff6d4d1): <c>use_kernels</c> "auto" (the default) takes the apply_liger_kernel_to_* defaults, which fuse the
    /// linear cross-entropy; a list does so when it names it (flce, lce, fused_ce, fused_linear_cross_entropy);
    /// <c>require_logits</c> (and preference training, which scores logits) turns it off.
    /// </summary>
    public static MemorySaversChoice LlamaFactoryV1(MappingNode root)
    {
        if (Section(root, "kernel_config") is not { } kernels || String(kernels, "name")?.Contains("liger", StringComparison.OrdinalIgnoreCase) != true)
            return new MemorySaversChoice();
        var needsLogits = Bool(kernels, "require_logits", false) || root.Find("pref_loss") is not null;
        var named = kernels.Find("use_kernels")?.Value is SequenceNode list
            ? list.Items.OfType<ScalarNode>().Select(i => i.Value.Trim().ToLowerInvariant().Replace('-', '_')).ToHashSet()
            : null;
        if (named is null && String(kernels, "use_kernels") is { } text && text != "auto")
            return new MemorySaversChoice();
        bool On(params string[] names) => named is null || names.Any(named.Contains);
        return new MemorySaversChoice
        {
            Loss = !needsLogits && On("flce", "lce", "fused_ce", "fused_linear_cross_entropy") ? LossKernel.LigerFused : LossKernel.Standard,
            LigerRmsNorm = On("rms_norm", "rmsnorm"),
            LigerGatedMlp = On("swiglu", "geglu"),
        };
    }

    private static MemorySaversChoice Common(MappingNode root, bool liger)
    {
        var savers = new MemorySaversChoice();
        if (liger)
            savers = savers with { Loss = LossKernel.LigerFused };
        // torch_compile_backend or torch_compile_mode turn compile on too (TrainingArguments.__post_init__).
        if (Bool(root, "torch_compile", false) || String(root, "torch_compile_backend") is not null || String(root, "torch_compile_mode") is not null)
            savers = savers with { Compile = true };
        return savers;
    }
}
