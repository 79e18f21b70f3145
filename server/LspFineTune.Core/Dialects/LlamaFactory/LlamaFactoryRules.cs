using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>What the rules need besides the document: the stage and method with their defaults, whether the run uses
/// DeepSpeed (and ZeRO-3), and the hardware when it is known (null: an unknown GPU) and whether its GPU count was stated.</summary>
internal sealed record RuleContext(string Stage, string FinetuningType, bool DeepSpeed, bool Zero3, HardwareChoice? Hardware, bool GpuCountStated)
{
    public bool Distributed => Hardware is { TotalGpus: > 1 };
}

/// <summary>
/// The classic layout's refusals before anything is launched (hiyouga/LLaMA-Factory@ff6d4d1
/// <c>src/llamafactory/hparams/parser.py</c> <c>get_train_args</c> and <c>_verify_model_args</c>,
/// <c>finetuning_args.py</c> <c>__post_init__</c>), as errors on the key, its warnings that change the run, and the
/// keys whose effect the estimate does not model (LFT0210).
/// </summary>
internal static class LlamaFactoryRules
{
    /// <returns>Whether quantization is refused (with full or freeze), so the plan does not quantize.</returns>
    public static bool Add(MappingNode root, RuleContext context, List<Diagnostic> diagnostics)
    {
        bool True(string key) => Scalar(root, key)?.AsBoolean() == true;
        bool Has(string key) => root.Find(key) is { Value: not ScalarNode { IsNull: true } };
        void Refuse(string key, string words, string advice) =>
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, $"LLaMA-Factory refuses this: \"{words}\" {advice}", root.Find(key)!.Key.Range));
        void Warn(string key, string message) =>
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, message, root.Find(key)!.Key.Range));
        var (stage, type) = (context.Stage, context.FinetuningType);
        var quantized = Has("quantization_bit");

        // parser.py 232-249 (_verify_model_args).
        if (Has("adapter_name_or_path") && type != "lora")
            Refuse("adapter_name_or_path", "Adapter is only valid for the LoRA method.", $"Use `finetuning_type: lora`, or remove `adapter_name_or_path` (this config says `finetuning_type: {type}`).");
        var refusesQuantization = quantized && type is not ("lora" or "oft");
        if (refusesQuantization)
            Refuse("quantization_bit", "Quantization is only compatible with the LoRA or OFT method.", $"Quantized weights cannot be trained directly, and this config says `finetuning_type: {type}`. Use `finetuning_type: lora` (QLoRA), or remove `quantization_bit`; the estimate is for the unquantized run.");
        if (quantized && True("pissa_init"))
            Refuse("pissa_init", "Please use scripts/pissa_init.py to initialize PiSSA for a quantized model.", "Remove `pissa_init`, or `quantization_bit`.");
        if (quantized && True("resize_vocab"))
            Refuse("resize_vocab", "Cannot resize embedding layers of a quantized model.", "Remove `resize_vocab`, or `quantization_bit`.");

        // parser.py 418-429: SFT-only options.
        if (stage != "sft")
        {
            foreach (var key in new[] { "predict_with_generate", "neat_packing", "train_on_prompt", "mask_history" }.Where(True))
                Refuse(key, key is "train_on_prompt" or "mask_history" ? "`train_on_prompt` or `mask_history` cannot be set as True except SFT." : $"`{key}` cannot be set as True except SFT.", $"This config says `stage: {stage}`; set `{key}: false`.");
        }
        // parser.py 447-455.
        if (stage is "rm" or "ppo" && True("load_best_model_at_end"))
            Refuse("load_best_model_at_end", "RM and PPO stages do not support `load_best_model_at_end`.", "Remove it.");
        if (stage == "ppo" && True("shift_attn"))
            Refuse("shift_attn", "PPO training is incompatible with S^2-Attn.", "Remove `shift_attn`.");
        // parser.py 474-478.
        if (True("streaming") && NullableLong(root, "max_steps") is null or <= 0)
            Refuse("streaming", "Please specify `max_steps` in streaming mode.", "A streamed dataset has no length, so the number of steps must be given: add `max_steps`.");
        if (True("do_train") && !Has("dataset"))
            Refuse("do_train", "Please specify dataset for training.", "Add `dataset:` (names from data/dataset_info.json, comma-separated).");
        // parser.py 485-503: against DeepSpeed ZeRO-3 and the device.
        if (context.Zero3 && True("predict_with_generate"))
            Refuse("predict_with_generate", "`predict_with_generate` is incompatible with DeepSpeed ZeRO-3.", "Remove it, or use a ZeRO-2 preset (examples/deepspeed/ds_z2_config.json).");
        if (True("do_train") && String(root, "quantization_device_map") == "auto")
            Refuse("quantization_device_map", "Cannot use device map for quantized models in training.", "Remove `quantization_device_map`.");
        if (context.Zero3 && True("pissa_init"))
            Refuse("pissa_init", "Please use scripts/pissa_init.py to initialize PiSSA in DeepSpeed ZeRO-3.", "Initialise PiSSA offline, or use a ZeRO-2 preset.");
        if (True("pure_bf16") && context.Hardware is { Gpu.NativeBf16: false } noBf16)
            Refuse("pure_bf16", "This device does not support `pure_bf16`.", $"The {noBf16.Gpu.Name} has no native bf16; remove `pure_bf16` (and use `fp16: true`).");
        if (True("pure_bf16") && context.Zero3)
            Refuse("pure_bf16", "`pure_bf16` is incompatible with DeepSpeed ZeRO-3.", "Remove `pure_bf16` and set `bf16: true`, or use a ZeRO-2 preset (examples/deepspeed/ds_z2_config.json).");
        // parser.py 505-519: layer-wise optimizers and distributed runs.
        if (context.Distributed)
        {
            if (True("use_galore") && True("galore_layerwise"))
                Refuse("galore_layerwise", "Distributed training does not support layer-wise GaLore.", $"This estimate is for {context.Hardware!.TotalGpus} GPUs; set `galore_layerwise: false`.");
            if (True("use_apollo") && True("apollo_layerwise"))
                Refuse("apollo_layerwise", "Distributed training does not support layer-wise APOLLO.", $"This estimate is for {context.Hardware!.TotalGpus} GPUs; set `apollo_layerwise: false`.");
            if (True("use_badam") && (String(root, "badam_mode") ?? "layer") == "ratio")
                Refuse("badam_mode", "Radio-based BAdam does not yet support distributed training, use layer-wise BAdam.", "Set `badam_mode: layer` (with a ZeRO-3 preset).");
            else if (True("use_badam") && !context.Zero3)
                Refuse("use_badam", "Layer-wise BAdam only supports DeepSpeed ZeRO-3 training.", "Name a ZeRO-3 preset: `deepspeed: examples/deepspeed/ds_z3_config.json`.");
        }
        if (context.DeepSpeed && (True("use_galore") || True("use_apollo")))
            Refuse(True("use_galore") ? "use_galore" : "use_apollo", "GaLore and APOLLO are incompatible with DeepSpeed yet.", "Remove `deepspeed`, or the low-rank optimizer.");
        // parser.py 521-536.
        if (True("fp8") && quantized)
            Refuse("fp8", "FP8 training is not compatible with quantization. Please disable one of them.", "Remove `fp8` or `quantization_bit`.");
        if (String(root, "infer_backend") is { } backend && backend != "huggingface")
            Refuse("infer_backend", "vLLM/SGLang backend is only available for API, CLI and Web.", "Training loads the model with transformers: remove `infer_backend`.");
        if (True("use_unsloth") && context.Zero3)
            Refuse("use_unsloth", "Unsloth is incompatible with DeepSpeed ZeRO-3.", "Remove `use_unsloth`, or use a ZeRO-2 preset (examples/deepspeed/ds_z2_config.json).");
        if (True("use_kt") && context.Zero3)
            Refuse("use_kt", "KTransformers is incompatible with DeepSpeed ZeRO-3.", "Remove `use_kt`, or use a ZeRO-2 preset.");

        // finetuning_args.py 600-635 (__post_init__).
        if (stage == "ppo" && !Has("reward_model"))
            Refuse("stage", "`reward_model` is necessary for PPO training.", "Add `reward_model:` (a reward model trained with `stage: rm`).");
        if (stage == "ppo" && String(root, "reward_model_type") is "lora" or "oft" && String(root, "reward_model_type") != type)
            Refuse("reward_model_type", $"`reward_model_type` cannot be {String(root, "reward_model_type")} for Freeze/Full PPO training.", $"Use `reward_model_type: full`, or `finetuning_type: {String(root, "reward_model_type")}`.");
        if (stage == "dpo" && (String(root, "pref_loss") ?? "sigmoid") != "sigmoid" && Double(root, "dpo_label_smoothing", 0) > 1e-6)
            Refuse("dpo_label_smoothing", "`dpo_label_smoothing` is only valid for sigmoid loss function.", "Remove it, or use `pref_loss: sigmoid`.");
        if (True("use_llama_pro") && type == "full")
            Refuse("use_llama_pro", "`use_llama_pro` is only valid for Freeze or LoRA training.", "Use `finetuning_type: freeze` or `lora`.");
        var lowRank = new[] { "use_galore", "use_apollo", "use_badam" }.Where(True).ToList();
        if (type == "lora" && lowRank.Count > 0)
            Refuse(lowRank[0], "Cannot use LoRA with GaLore, APOLLO or BAdam together.", $"`{lowRank[0]}` trains the full weights: set `finetuning_type: full` (LoRA is the default).");
        if (lowRank.Count > 1)
            Refuse(lowRank[1], "Cannot use GaLore, APOLLO or BAdam together.", "Keep one.");
        var usesReference = (stage == "dpo" && String(root, "pref_loss") is not ("orpo" or "simpo")) || stage == "kto";
        if (True("pissa_init") && (stage is "ppo" or "kto" || usesReference))
            Refuse("pissa_init", "Cannot use PiSSA for current training stage.", $"Remove `pissa_init` for `stage: {stage}`.");
        if (type != "lora")
        {
            foreach (var key in new[] { "loraplus_lr_ratio", "use_rslora", "use_dora", "pissa_init" }.Where(k => k == "loraplus_lr_ratio" ? Has(k) : True(k)))
                Refuse(key, $"`{key}` is only valid for LoRA training.", $"This config says `finetuning_type: {type}`; remove `{key}`.");
        }

        // parser.py 566-576: warnings that change what runs.
        if (True("do_train") && !True("bf16") && !True("fp16") && !True("pure_bf16"))
            Warn(root.Find("finetuning_type") is not null ? "finetuning_type" : "do_train", "LLaMA-Factory warns \"We recommend enable mixed precision training.\" (parser.py 567): without `bf16: true` (or `fp16: true`) there is no autocast, and full or freeze tuning trains fp32 weights. Add `bf16: true`.");
        if ((True("use_galore") || True("use_apollo")) && !True("pure_bf16"))
            Warn(True("use_galore") ? "use_galore" : "use_apollo", "LLaMA-Factory warns \"Using GaLore or APOLLO with mixed precision training may significantly increases GPU memory usage.\" (parser.py 574): add `pure_bf16: true`.");
        // parser.py 472: DeepSpeed needs a distributed launch, which llamafactory-cli makes only for more than one GPU.
        if (context.DeepSpeed && context.GpuCountStated && context.Hardware is { TotalGpus: 1 })
            Warn("deepspeed", "LLaMA-Factory refuses DeepSpeed in a single-process run (\"Please use `FORCE_TORCHRUN=1` to launch DeepSpeed training.\", parser.py 472): on one GPU launch with `FORCE_TORCHRUN=1 llamafactory-cli train ...`.");
        return refusesQuantization;
    }

    /// <summary>Megatron's keys (model parallelism first), read only under USE_MCA=1 or USE_MEGATRON_BRIDGE=1.</summary>
    private static readonly string[] MegatronKeys =
    [
        "tensor_model_parallel_size", "pipeline_model_parallel_size", "expert_model_parallel_size", "context_parallel_size",
        "sequence_parallel", "use_distributed_optimizer", "overlap_param_gather", "overlap_grad_reduce", "recompute_granularity",
        "moe_grouped_gemm", "moe_token_dispatcher_type", "bias_activation_fusion", "apply_rope_fusion", "use_packed_sequences",
    ];

    /// <summary>Keys that change memory or time in ways the estimate does not model.</summary>
    public static void AddNotModelled(MappingNode root, TrainingPlan plan, string stage, string finetuningType, List<Diagnostic> diagnostics)
    {
        void Note(string key, string message)
        {
            if (root.Find(key) is { Value: not ScalarNode { IsNull: true } } property && (property.Value is not ScalarNode scalar || scalar.AsBoolean() != false))
                diagnostics.Add(LlamaFactorySpellings.NotModelled(property, message));
        }
        // The reference model, the pairs and PPO's models and generation are estimated (LlamaFactoryObjective).
        if (stage == "ppo" && String(root, "reward_model") is { } rewardModel)
            Note("reward_model", $"The reward model `{rewardModel}` is estimated as the size of the policy's base{(plan.Objective.RewardModelCopy ? "" : " (here an adapter on it, so no copy)")}; PPO's sequences are cutoff_len prompts plus the generated `max_new_tokens`, and the training step is estimated at cutoff_len.");
        if (String(root, "ref_model") is { } refModel)
            Note("ref_model", $"The reference `{refModel}` is estimated as the size of the policy's model.");
        if (finetuningType == "freeze")
            Note("finetuning_type", $"Freeze tuning trains only the last {Math.Max(1, Int(root, "freeze_trainable_layers", 2))} layers (freeze_trainable_layers); the estimate trains every layer (gradients and optimizer states are an over-estimate).");
        Note("use_unsloth", "Unsloth's fused LoRA kernels and its own checkpointing use less memory than the estimate assumes.");
        if (stage is not ("pt" or "sft"))
            Note("enable_liger_kernel", $"For `stage: {stage}` LLaMA-Factory applies Liger without its fused linear cross-entropy (the stage needs the logits), so the loss is estimated as the standard one (its RMSNorm and SwiGLU kernels are estimated).");
        Note("torch_compile", "torch.compile is recorded but does not change the estimate: no measured effect on activation memory or step time is modelled, so both are eager's.");
        Note("use_galore", "GaLore projects gradients to low rank; estimated as AdaRankGrad's states (m r + 2 n r) at rank 128.");
        Note("use_apollo", "APOLLO keeps low-rank optimizer states; estimated as AdaRankGrad's states at rank 128.");
        Note("use_badam", "BAdam trains one block of layers at a time, with optimizer states for that block only; the estimate keeps (16-bit) states for every layer (an over-estimate).");
        Note("use_adam_mini", "Adam-mini keeps one second-moment value per block instead of per parameter; the estimate uses AdamW's two states (an over-estimate).");
        Note("use_muon", "Muon keeps one momentum state per matrix parameter; the estimate uses AdamW's two states (an over-estimate).");
        Note("fp8", "fp8 training is estimated as bf16.");
        Note("shift_attn", "S²-Attn shifts attention groups for long contexts; the estimate uses full attention.");
        Note("mixture_of_depths", "Mixture-of-depths skips tokens in some layers; the estimate runs every token through every layer.");
        Note("use_llama_pro", "LLaMA Pro adds expanded blocks and trains only them; the estimate uses the model as named.");
        Note("use_kt", "KTransformers keeps MoE experts on the CPU; the estimate keeps every expert on each GPU.");
        Note("use_v1_kernels", "LLaMA-Factory's fused kernels are not modelled; the estimate uses the plain transformers modules.");
        if (String(root, "flash_attn") is "fa3")
            Note("flash_attn", "FlashAttention-3 is estimated as FlashAttention-2 (neither keeps the s x s scores).");
        if (root.Find("neat_packing") is not null && Bool(root, "neat_packing", false))
            Note("neat_packing", "Neat packing packs without attention across examples; estimated as packed sequences of cutoff_len tokens.");
        // USE_MCA=1 (mcore_adapter's arguments) and USE_MEGATRON_BRIDGE=1 (megatron_bridge_args.py 32-52) train with Megatron.
        if (MegatronKeys.Select(root.Find).FirstOrDefault(p => p is not null) is { } megatron)
        {
            var parallel = MegatronKeys.Take(4).Where(k => NullableLong(root, k) is > 1).Select(k => $"`{k}: {NullableLong(root, k)}`").ToList();
            Note(megatron.Key.Value, $"These are Megatron keys (`USE_MCA=1` or `USE_MEGATRON_BRIDGE=1` in the environment): the run trains with Megatron-Core, and the estimate models the transformers trainer{(parallel.Count > 0 ? $", without Megatron's model parallelism ({string.Join(", ", parallel)})" : "")} and without its distributed optimizer.");
        }
        if (Bool(root, "do_predict", false) || Bool(root, "do_eval", false))
            Note(Bool(root, "do_predict", false) ? "do_predict" : "do_eval", "Evaluation after training can peak differently from the training step; the estimate covers the training step.");
    }
}
