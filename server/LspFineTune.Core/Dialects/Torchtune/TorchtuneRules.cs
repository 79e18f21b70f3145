using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// torchtune's refusals (the recipes' __init__ checks at torchtune@bd2a0fc; full_finetune_distributed.py lines below,
/// the same checks in every fine-tuning recipe) as errors on their keys, and what the estimate does not model as
/// information on the key (LFT0210).
/// </summary>
internal static class TorchtuneRules
{
    /// <summary>Keys every fine-tuning recipe reads with <c>cfg.key</c> (no default): missing, the recipe stops.</summary>
    private static readonly string[] Required = ["batch_size", "gradient_accumulation_steps", "epochs", "dtype"];

    public static void Add(MappingNode root, TorchtuneRecipe? recipe, List<Diagnostic> diagnostics)
    {
        void Refuse(string key, string message) =>
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, message, root.Find(key)!.Key.Range));
        bool True(string key) => Scalar(root, key)?.AsBoolean() == true;
        bool Reads(string key) => recipe is null || recipe.Keys.Count == 0 || recipe.Keys.ContainsKey(key);

        // full_finetune_distributed.py 138-141 (lora_finetune_single_device.py 143-146): no fp16 training.
        if (String(root, "dtype")?.Trim().ToLowerInvariant() == "fp16")
            Refuse("dtype", "torchtune refuses `dtype: fp16` (\"full fp16 training is not supported with this recipe\"). Use `dtype: bf16` (or fp32 where the GPU has no bf16).");
        // full_finetune_distributed.py 255-263: offloading moves the checkpointed activations, and only on CUDA/XPU.
        if (True("enable_activation_offloading"))
        {
            if (!True("enable_activation_checkpointing"))
                Refuse("enable_activation_offloading", "torchtune refuses `enable_activation_offloading: True` without `enable_activation_checkpointing: True` (it offloads the checkpointed activations). Set `enable_activation_checkpointing: True`.");
            else if (String(root, "device") is { } device && device is not ("cuda" or "xpu"))
                Refuse("enable_activation_offloading", $"torchtune refuses `enable_activation_offloading` on `device: {device}`: it needs CUDA or XPU streams.");
        }
        // full_finetune_distributed.py 219-231 (full_finetune_single_device.py 152-160): the step runs inside backward.
        if (True("optimizer_in_bwd"))
        {
            if (!Reads("optimizer_in_bwd"))
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, $"The recipe {recipe!.Name} does not read `optimizer_in_bwd`, so it has no effect (only the full_finetune recipes fuse the optimizer step into backward).", root.Find("optimizer_in_bwd")!.Key.Range));
            else if (NullableLong(root, "gradient_accumulation_steps") is > 1 and var steps)
                Refuse("optimizer_in_bwd", $"torchtune refuses `optimizer_in_bwd: True` with `gradient_accumulation_steps: {steps}` (\"Gradient accumulation is not supported with optimizer in bwd\"): the step runs as each gradient is produced. Set `gradient_accumulation_steps: 1` (and raise `batch_size`), or `optimizer_in_bwd: False`.");
            else if (root.Find("clip_grad_norm") is { Value: ScalarNode { IsNull: false } } && Reads("clip_grad_norm"))
                Refuse("optimizer_in_bwd", "torchtune refuses `optimizer_in_bwd: True` with `clip_grad_norm` (\"Gradient clipping is not supported with optimizer in bwd\"). Set `clip_grad_norm: null`, or `optimizer_in_bwd: False`.");
        }
        // datasets/_alpaca.py 90-93 (and every SFT dataset builder): packing fills rows up to the tokenizer's max_seq_len.
        if (Section(root, "dataset") is { } dataset && Scalar(dataset, "packed")?.AsBoolean() == true
            && Scalar(Section(root, "tokenizer"), "max_seq_len") is null or { IsNull: true })
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                "torchtune refuses `packed: True` without `tokenizer.max_seq_len` (\"PackedDataset requires a max_seq_len to be set on the tokenizer\"). Set `max_seq_len` under `tokenizer`.",
                dataset.Find("packed")!.Key.Range));
        }
        if (True("fsdp_cpu_offload") && recipe is { IsDistributed: false })
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, $"`fsdp_cpu_offload` applies to the distributed recipes; {recipe.Name} does not shard, so it has no effect.", root.Find("fsdp_cpu_offload")!.Key.Range));
        if (recipe is { Keys.Count: > 0 })
        {
            foreach (var key in Required.Where(k => recipe.Keys.TryGetValue(k, out var required) && required && root.Find(k) is null))
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                    $"The recipe {recipe.Name} reads `cfg.{key}` with no default, so without `{key}` it stops with a missing-key error. Add `{key}`.",
                    root.Find("model")?.Key.Range ?? root.Properties[0].Key.Range));
            }
        }
    }

    /// <summary>Keys that change memory or time in ways the estimate does not model.</summary>
    public static void AddNotModelled(MappingNode root, TrainingPlan plan, TorchtuneComponent? builder, List<Diagnostic> diagnostics)
    {
        void Note(string key, string message)
        {
            if (root.Find(key) is { Value: not ScalarNode { IsNull: true } } property && (property.Value is not ScalarNode scalar || scalar.AsBoolean() != false))
                diagnostics.Add(TorchtuneBinder.NotModelled(property, message));
        }
        void NoteIn(string section, string key, string message)
        {
            if (Section(root, section)?.Find(key) is { Value: not ScalarNode { IsNull: true } } property && (property.Value is not ScalarNode scalar || scalar.AsBoolean() != false))
                diagnostics.Add(TorchtuneBinder.NotModelled(property, message));
        }
        // Compiling the loss is modelled (its saved tensors, LogitsMemory.ChunkedBytesPerValue); no published measurement
        // gives compile's effect on a block's activations or step time, so those stay at eager's.
        Note("compile", "torch.compile on the loss changes what the chunked cross-entropy saves, and the estimate follows it; for the model's blocks no measured effect on activation memory or step time is modelled, so those are eager's");
        Note("enable_fp8_training", "fp8 training (torchao float8) is estimated as bf16");
        Note("quantizer", "Quantization-aware training adds fake-quantization of weights and activations; the estimate does not model it");
        Note("teacher_model", "Knowledge distillation runs a frozen teacher model beside the student; the estimate covers the student only");
        Note("ref_checkpointer", "DPO keeps a frozen reference copy of the model; the estimate covers the policy's training step only");
        Note("reward_and_value_model", "PPO runs a policy, a reference policy, and value and reward models; the estimate covers the policy's training step only");
        NoteIn("model", "apply_lora_to_output", "LoRA on the output projection adds an adapter on the head; the estimate counts only the adapters of the layers");
        if (plan.Model.Quantization == Quantization.Nf4 && plan.Method.Lora.TargetModules.Count < plan.Model.Structure.LayerLinears.Select(l => l.Name).Distinct().Count())
        {
            diagnostics.Add(TorchtuneBinder.NotModelled(Section(root, "model")?.Find("_component_") ?? root.Find("model")!,
                $"torchtune quantizes to NF4 only the linear layers LoRA is applied to ({string.Join(", ", plan.Method.Lora.TargetModules)}); the estimate quantizes every block linear, so the weights of the others are an under-estimate (they stay in bf16)"));
        }
    }
}
