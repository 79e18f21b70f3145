using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// axolotl's own cross-key rules that stop a launch (axolotl@067b021 <c>utils/schemas/validation.py</c>,
/// <c>peft.py</c>, <c>config.py</c>), as errors on the keys before anything is launched, and the keys whose effect
/// the estimate does not model, as information on the key (nothing is silently ignored).
/// </summary>
internal static class AxolotlRules
{
    public static void Add(MappingNode root, List<Diagnostic> diagnostics)
    {
        void Refuse(string key, string message) =>
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, message, root.Find(key)!.Key.Range));
        void Warn(string key, string message) =>
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, message, root.Find(key)!.Key.Range));
        bool Has(string key) => root.Find(key) is { Value: not ScalarNode { IsNull: true } };
        bool True(string key) => Scalar(root, key)?.AsBoolean() == true;

        var adapter = String(root, "adapter")?.ToLowerInvariant();
        // peft.py 179-223: a quantized base needs an adapter; QLoRA needs a 4-bit base and no 8-bit or GPTQ one.
        if (adapter is null && (True("load_in_4bit") || True("load_in_8bit")))
            Refuse(True("load_in_4bit") ? "load_in_4bit" : "load_in_8bit", "axolotl refuses a quantized base model without an adapter: quantized weights cannot be trained directly. Add `adapter: qlora` (4-bit) or `adapter: lora` (8-bit), or remove the quantization.");
        if (adapter == "qlora" && !True("load_in_4bit"))
            Refuse("adapter", "axolotl refuses `adapter: qlora` without `load_in_4bit: true`: QLoRA trains adapters on a 4-bit base. Add `load_in_4bit: true`, or use `adapter: lora`.");
        if (adapter == "qlora" && True("load_in_8bit"))
            Refuse("load_in_8bit", "axolotl refuses `load_in_8bit` with `adapter: qlora` (QLoRA is a 4-bit base). Remove `load_in_8bit`.");
        if (adapter == "qlora" && True("gptq"))
            Refuse("gptq", "axolotl refuses `gptq: true` with `adapter: qlora`: a GPTQ model is already quantized. Use `adapter: lora`.");
        // validation.py 1226, 1214.
        if (Has("deepspeed") && (Has("fsdp_config") || root.Find("fsdp")?.Value is SequenceNode { Items.Count: > 0 }))
            Refuse("deepspeed", "axolotl refuses DeepSpeed and FSDP together: choose one. Remove `deepspeed` or the `fsdp_config`/`fsdp` keys.");
        if (Has("max_memory") && Has("gpu_memory_limit"))
            Refuse("gpu_memory_limit", "axolotl refuses `max_memory` and `gpu_memory_limit` together: keep one.");
        // validation.py 1445: activation offloading moves checkpointed activations, so it needs checkpointing.
        if (Has("activation_offloading") && Scalar(root, "activation_offloading")?.AsBoolean() != false
            && !(Scalar(root, "gradient_checkpointing") is { } gc && (gc.AsBoolean() == true || gc.Value is "offload" or "offload_disk")))
            Refuse("activation_offloading", "axolotl refuses `activation_offloading` without `gradient_checkpointing`: it offloads the checkpointed activations. Add `gradient_checkpointing: true`.");
        // validation.py 688: sample packing cannot be combined with preference training.
        if (True("sample_packing") && Has("rl"))
            Refuse("sample_packing", $"axolotl refuses `sample_packing` with `rl: {String(root, "rl")}`: preference and RL trainers need one example per row. Set `sample_packing: false`.");
        // validation.py 274 (check_gas_bsz): batch_size is micro_batch_size x gradient_accumulation_steps, so not both.
        if (NullableLong(root, "gradient_accumulation_steps") is > 0 && NullableLong(root, "batch_size") is > 0)
            Refuse("batch_size", "axolotl refuses `batch_size` together with `gradient_accumulation_steps` (\"please set only one of gradient_accumulation_steps or batch_size\"): `batch_size` is micro_batch_size x gradient_accumulation_steps. Keep one.");
        // config.py 1527: attn_implementation replaces the legacy flags; both together are refused.
        if (Has("attn_implementation"))
        {
            foreach (var (flag, _) in AxolotlSpellings.LegacyAttentionFlags)
            {
                if (root.Find(flag) is not null)
                    Refuse(flag, $"axolotl refuses `{flag}` together with `attn_implementation`: the legacy flag is mapped onto it. Remove `{flag}`.");
            }
        }
        // validation.py 1127-1140: FSDP and 8-bit optimizers.
        var optimizer = String(root, "optimizer") ?? "";
        var fsdpVersion = NullableLong(root, "fsdp_version") ?? (NullableLong(root.Find("fsdp_config")?.Value as MappingNode, "fsdp_version"));
        if (Has("fsdp_config") && fsdpVersion == 2 && optimizer is "adamw_8bit" or "adamw_bnb_8bit")
            Refuse("optimizer", $"axolotl refuses `{optimizer}` with FSDP2 (bitsandbytes states cannot be sharded as DTensors). Use `optimizer: adamw_torch_8bit`.");
        // validation.py 1634-1665: context parallelism needs a flash-attention backend, and micro-batch 1 with packing.
        if (NullableLong(root, "context_parallel_size") is > 1)
        {
            var attention = String(root, "attn_implementation") ?? (True("flash_attention") ? "flash_attention_2" : "");
            if (!attention.Contains("flash", StringComparison.OrdinalIgnoreCase))
                Refuse("context_parallel_size", "axolotl refuses `context_parallel_size` > 1 without a flash-attention backend (ring attention is built on it). Set `attn_implementation: flash_attention_2`.");
            else if (True("sample_packing") && NullableLong(root, "micro_batch_size") is > 1)
                Refuse("context_parallel_size", "axolotl refuses `context_parallel_size` > 1 with sample packing unless `micro_batch_size` is 1. Set `micro_batch_size: 1` and raise `gradient_accumulation_steps`.");
        }
        // config.py 187: packing needs an attention that takes packed (varlen) input, else it only warns.
        if (True("sample_packing"))
        {
            var attention = String(root, "attn_implementation")?.ToLowerInvariant();
            var legacy = AxolotlSpellings.LegacyAttentionFlags.Any(f => f.Kind != Planning.AttentionKind.Eager && f.Key != "sdp_attention" && True(f.Key));
            if (!legacy && (attention is null or "eager" or "sdpa"))
                Warn("sample_packing", $"axolotl warns that sample packing without a varlen attention ({attention ?? "the default sdpa"}) lets packed examples attend to each other. Set `attn_implementation: flash_attention_2` (or flex_attention).");
        }
    }

    /// <summary>Keys that change memory or time in ways the estimate does not model yet.</summary>
    public static void AddNotModelled(MappingNode root, TrainingPlan plan, List<Diagnostic> diagnostics)
    {
        void Note(string key, string message)
        {
            if (root.Find(key) is { Value: not ScalarNode { IsNull: true } } property && (property.Value is not ScalarNode scalar || scalar.AsBoolean() != false))
                diagnostics.Add(AxolotlBinder.NotModelled(property, message));
        }
        Note("bfloat16", "Pure bf16 (no AMP) keeps no fp32 master weights; the estimate assumes mixed precision.");
        Note("float16", "Pure fp16 (no AMP) keeps no fp32 master weights; the estimate assumes mixed precision.");
        // torch.compile: no published measurement of its effect on a block's activation memory or step time under
        // axolotl is at hand, so the estimate is eager's (the chunked loss's own compile is modelled).
        if (Scalar(root, "torch_compile") is { IsNull: false } compile && (compile.AsBoolean() == true || compile.Value == "auto"))
            Note("torch_compile", "torch.compile is recorded but does not change the estimate: no measured effect on activation memory or step time is modelled, so both are eager's.");
        // The reference model, pairs and GRPO's generation are estimated (AxolotlObjective). train.py 137-153 loads a
        // second model for full fine-tuning with any rl but ORPO, also for SimPO (CPO takes no reference) and GRPO at beta 0.
        if (String(root, "rl") is "ebft")
            Note("rl", "`rl: ebft` (embedding-based feature training) is estimated as supervised fine-tuning: its generation and reference forwards are not modelled.");
        if (String(root, "rl") is "simpo" or "grpo" or "gdpo" && plan.Method.Type == FineTuneMethod.Full && plan.Objective.Reference(plan.Method.Type) == ReferenceSource.None)
            Note("rl", $"axolotl loads a second copy of the model as `model_ref` for full fine-tuning with `rl: {String(root, "rl")}` (train.py 137-153), though this trainer does not use it; the estimate does not count it.");
        Note("gptq", "A GPTQ model's weights are estimated as 4-bit storage.");
        Note("fp8", "fp8 training (torchao) is estimated as bf16.");
        Note("qat", "Quantization-aware training adds fake-quantization buffers; the estimate does not model them.");
        if (String(root, "adapter") is { } adapter and not ("lora" or "qlora"))
            Note("adapter", $"`adapter: {adapter}` is estimated as LoRA with the lora_* settings.");
        Note("unfrozen_parameters", "Only the parameters these patterns name are trained; the estimate trains all of them (gradients and optimizer states are an over-estimate).");
        Note("lora_target_parameters", "LoRA on expert parameters (MoE) adds adapters the estimate does not count.");
        Note("max_memory", "The estimate compares against the GPU's usable memory, not this cap.");
        Note("gpu_memory_limit", "The estimate compares against the GPU's usable memory, not this cap.");
        if (NullableLong(root, "eval_batch_size") is { } evalBatch && evalBatch > (NullableLong(root, "micro_batch_size") ?? 1))
            Note("eval_batch_size", "Evaluation with a larger batch than training can peak higher than the training step; the estimate covers the training step.");
        if (NullableLong(root, "expert_parallel_size") is > 1)
            Note("expert_parallel_size", "Expert parallelism splits the experts across GPUs (counted in the memory estimate); the all-to-all token exchange between them is not in the runtime estimate.");
    }
}
