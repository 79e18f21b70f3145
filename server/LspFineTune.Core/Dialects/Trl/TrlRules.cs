using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// What TRL and transformers refuse before training starts (LFT0510, upstream file and line in each comment), the older
/// spellings they used to read (LFT0512 with a rename fix), and the keys whose effect the estimate does not model
/// (LFT0210 on the key): nothing is silently ignored.
/// </summary>
internal static class TrlRules
{
    /// <summary>Keys of older TRL / transformers releases the recipes still carry (34 of the 36 corpus files), with what
    /// replaced them at trl@f2cd577 / transformers@00349ae (null: gone without a successor) and whether the current
    /// release still reads them (a deprecated alias) or refuses them (no dataclass declares them any more). `warmup_ratio` is
    /// not one: v5 deprecates it, but on the transformers 4.x line TRL also supports it is the only fractional warmup.</summary>
    public static readonly IReadOnlyDictionary<string, (string? Replacement, string Why, bool StillRead)> OlderSpellings = new Dictionary<string, (string?, string, bool)>
    {
        ["torch_dtype"] = ("dtype", "ModelConfig renamed it to `dtype` (model_config.py 89)", false),
        ["max_seq_length"] = ("max_length", "SFTConfig renamed it to `max_length` (sft_config.py 205)", false),
        ["overwrite_output_dir"] = (null, "transformers v5 removed it from TrainingArguments", false),
        ["max_prompt_length"] = (null, "the current DPOConfig and GRPOConfig have no separate prompt limit (DPO's `max_length` bounds prompt and completion together; GRPO does not truncate prompts)", false),
    };

    public static void Add(MappingNode root, TrlTrainer trainer, List<Diagnostic> diagnostics)
    {
        void Refuse(string key, string message) =>
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, message, root.Find(key)!.Key.Range));
        bool True(string key) => Scalar(root, key)?.AsBoolean() == true;

        // model_config.py 173-175.
        if (True("load_in_4bit") && True("load_in_8bit"))
            Refuse("load_in_8bit", "TRL refuses `load_in_8bit` with `load_in_4bit` (\"You can't use 8 bit and 4 bit precision at the same time\"). Keep one: `load_in_4bit: true` is QLoRA.");
        // transformers Trainer.__init__ (trainer.py, the `_is_quantized_and_base_model` check): a quantized base needs
        // adapters, and TRL only builds them with use_peft (trl/trainer/utils.py get_peft_config returns None otherwise).
        else if (!True("use_peft") && (True("load_in_4bit") || True("load_in_8bit")))
            Refuse(True("load_in_4bit") ? "load_in_4bit" : "load_in_8bit", "transformers refuses to train a quantized model without adapters (\"You cannot perform fine-tuning on purely quantized models\"), and TRL adds LoRA adapters only with `use_peft: true`. Add `use_peft: true` (and `lora_r`), or remove the quantization.");
        // transformers@00349ae training_args.py __post_init__: "At most one of fp16 and bf16 can be True".
        if (True("fp16") && True("bf16"))
            Refuse("fp16", "transformers refuses `fp16` and `bf16` together (\"At most one of fp16 and bf16 can be True\"). Keep one: bf16 on Ampere or newer.");
        // dpo_config.py 346-350.
        if (trainer == TrlTrainer.Dpo && root.Find("loss_weights")?.Value is SequenceNode weights)
        {
            var losses = root.Find("loss_type")?.Value switch { SequenceNode list => list.Items.Count, ScalarNode { IsNull: false } => 1, _ => 1 };
            if (weights.Items.Count != losses)
                Refuse("loss_weights", $"TRL refuses `loss_weights` with {weights.Items.Count} weights for {losses} loss type{(losses == 1 ? "" : "s")}: give one weight per `loss_type`.");
        }
        if (trainer == TrlTrainer.Grpo)
        {
            // grpo_config.py 1068-1073, 1089-1092, 1114-1118.
            if (True("auto_find_batch_size"))
                Refuse("auto_find_batch_size", "TRL refuses `auto_find_batch_size` for GRPO: shrinking the batch on out-of-memory would break the groups of `num_generations` completions. Remove it and lower `per_device_train_batch_size`.");
            if (root.Find("generation_batch_size") is { Value: ScalarNode { IsNull: false } } && root.Find("steps_per_generation") is { Value: ScalarNode { IsNull: false } })
                Refuse("steps_per_generation", "TRL refuses `generation_batch_size` and `steps_per_generation` together. Keep one.");
            if (NullableLong(root, "num_generations") is < 2 and var generations)
                Refuse("num_generations", $"TRL refuses `num_generations: {generations}`: GRPO needs at least 2 completions per prompt to compute advantages.");
        }

        foreach (var (key, (replacement, why, stillRead)) in OlderSpellings)
        {
            if (root.Find(key) is not { } property || (key == "max_prompt_length" && trainer is TrlTrainer.Sft))
                continue;
            var now = stillRead ? "it is still read, as a deprecated alias" : "the current release refuses it, as a key no dataclass declares";
            diagnostics.Add(replacement is null
                ? Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, $"`{key}` is from an older TRL/transformers, which read it; {why}, so {now}. Remove it.", property.Key.Range)
                : Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, $"`{key}` is the older spelling of `{replacement}`: {why}; {now}. Write `{replacement}`.", property.Key.Range) with
                {
                    Fixes = root.Find(replacement) is null ? [new CodeFix($"Rename to `{replacement}`", [new FileEdit(null, [new TextEdit(property.Key.Range, replacement)])]) { IsPreferred = true }] : [],
                });
        }
    }

    /// <summary>GRPO's generation batch (grpo_config.py 1076-1112): per-device batch x processes x steps per generation
    /// (the accumulation by default) must hold whole groups of <c>num_generations</c>; needs the GPU count.</summary>
    public static void AddGenerationBatch(MappingNode root, TrlTrainer trainer, int microBatch, int accumulation, int processes, List<Diagnostic> diagnostics)
    {
        if (trainer != TrlTrainer.Grpo || root.Find("num_generations") is not { } key)
            return;
        var generations = NullableLong(root, "num_generations") ?? 8;
        if (generations < 2)
            return;
        var global = (long)microBatch * processes;
        var generationBatch = NullableLong(root, "generation_batch_size") ?? global * (NullableLong(root, "steps_per_generation") ?? accumulation);
        if (root.Find("generation_batch_size") is { } explicitKey && generationBatch % global != 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                $"TRL refuses `generation_batch_size: {generationBatch}`: it must be a multiple of the global batch ({microBatch} per device x {processes} process{(processes == 1 ? "" : "es")} = {global}).",
                explicitKey.Key.Range));
        }
        else if (generationBatch % generations != 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                $"TRL refuses this GRPO batch: the generation batch ({generationBatch} = {microBatch} per device x {processes} process{(processes == 1 ? "" : "es")} x {generationBatch / Math.Max(1, global)} steps) is not a multiple of `num_generations: {generations}`, so a prompt's group would be split. Change `per_device_train_batch_size`, `gradient_accumulation_steps` or `num_generations`.",
                key.Key.Range));
        }
    }

    /// <summary>Keys that change memory or time in ways the estimate does not model.</summary>
    public static void AddNotModelled(MappingNode root, TrlTrainer trainer, TrainingPlan plan, List<Diagnostic> diagnostics)
    {
        void Note(string key, string message)
        {
            if (root.Find(key) is { Value: not ScalarNode { IsNull: true } } property && (property.Value is not ScalarNode scalar || scalar.AsBoolean() != false))
                diagnostics.Add(TrlBinder.NotModelled(property, message));
        }

        // The reference model, the chosen/rejected pairs and GRPO's generation are in the estimate (TrlObjective);
        // what it still assumes is said where the key is.
        if (trainer is TrlTrainer.Grpo or TrlTrainer.Rloo && Scalar(root, "use_vllm")?.AsBoolean() == true && String(root, "vllm_mode") == "server")
            Note("vllm_mode", "vLLM generates on its own server GPUs (`vllm_mode: server`): they hold nothing of this estimate, and the generation time assumes they are the same GPU type.");
        Note("torch_compile", "torch.compile is recorded but does not change the estimate: no measured effect on activation memory or step time is modelled, so both are eager's.");
        Note("lora_target_parameters", "LoRA on expert parameters (MoE) adds adapters the estimate does not count.");
        Note("auto_find_batch_size", "On out-of-memory the Trainer halves the batch and retries; the estimate is for `per_device_train_batch_size` as written.");
        Note("model_init_kwargs", "`model_init_kwargs` go to from_pretrained as they are; a dtype, device_map or quantization there is not read by the estimate.");
        Note("parallelism_config", "Tensor, context and sequence parallelism of `parallelism_config` are not modelled; the estimate is data-parallel.");
        if (NullableLong(root, "per_device_eval_batch_size") is { } evalBatch && evalBatch > plan.Training.MicroBatchSize)
            Note("per_device_eval_batch_size", "Evaluation with a larger batch than training can peak higher than the training step; the estimate covers the training step.");
    }
}
