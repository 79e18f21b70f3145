using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Export;

/// <summary>
/// The plan as an axolotl config (axolotl-ai-cloud/axolotl@067b021 <c>AxolotlInputConfig</c>; the keys the axolotl
/// dialect reads): the model, adapter and quantization, batch and schedule, precision, attention, checkpointing, the
/// sharding as a shipped DeepSpeed preset when one has it (else a DeepSpeed JSON written beside the file) or as
/// <c>fsdp_config</c>, the data files, and the hardware as the <c># lft:</c> modeline (axolotl has no key for it: the
/// launcher's process count comes from `lft train --engine framework`).
/// </summary>
public static class AxolotlExport
{
    public static ExportResult Write(ExportSource source)
    {
        var plan = source.Plan;
        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
            return ExportResult.Refused("axolotl has no zeroth-order (MeZO) fine-tuning; export it to the native format (--to native) for the bundled trainer.");
        var model = source.Model();
        if (model.Kind == ModelReferenceKind.Inline)
            return ExportResult.Refused("axolotl needs `base_model`: a Hugging Face id or a local folder; an inline architecture has neither (give the model a name or a folder first).");
        var files = new List<ExportedFile>();
        var yaml = new YamlDocument();
        yaml.Comment(source.Modeline());
        yaml.Comment($"Exported by `lft export --to axolotl` from {Path.GetFileName(source.Analysis.Binding?.Document.Path ?? "the config")} ({source.Analysis.Dialect?.Id}).");
        yaml.Key("base_model", model.Text);
        if (plan.Method.Type == FineTuneMethod.Lora)
        {
            var lora = plan.Method.Lora;
            yaml.Key("adapter", plan.Model.Quantization == Quantization.Nf4 ? "qlora" : "lora");
            yaml.Key("load_in_4bit", plan.Model.Quantization == Quantization.Nf4 ? true : null);
            yaml.Key("load_in_8bit", plan.Model.Quantization == Quantization.Int8 ? true : null);
            yaml.Key("lora_r", lora.Rank).Key("lora_alpha", lora.Alpha).Key("lora_dropout", lora.Dropout);
            if (lora.AllLinear)
                yaml.Key("lora_target_linear", true);
            else
                yaml.List("lora_target_modules", lora.TargetModules);
        }
        else if (plan.Model.Quantization != Quantization.None)
        {
            source.Note("a quantized base needs an adapter in axolotl (load_in_4bit/8bit trains LoRA or QLoRA); full fine-tuning is written with a 16-bit base.");
        }
        var training = plan.Training;
        yaml.Key("sequence_len", training.SequenceLength).Key("sample_packing", training.Packing);
        yaml.Key("pad_to_sequence_len", training.PadToSequenceLength ? true : null);
        yaml.Key("micro_batch_size", training.MicroBatchSize).Key("gradient_accumulation_steps", training.GradientAccumulationSteps);
        yaml.Key("num_epochs", training.Epochs).Key("max_steps", training.MaxSteps);
        var optimizer = plan.Optimizer;
        yaml.Key("optimizer", optimizer.Paged && optimizer.Type == OptimizerType.AdamW8bit ? "paged_adamw_8bit" : TransformersSpellings.Optimizer(optimizer.Type));
        if (optimizer.Type is OptimizerType.AdaRankGrad or OptimizerType.ZoSgd)
            source.Note($"axolotl has no {optimizer.Type.ToConfigName()} optimizer: it is written as `{TransformersSpellings.Optimizer(optimizer.Type)}`.");
        yaml.Key("learning_rate", optimizer.LearningRate).Key("weight_decay", optimizer.WeightDecay)
            .Key("lr_scheduler", optimizer.Scheduler.ToConfigName()).Key("warmup_steps", optimizer.WarmupSteps);
        yaml.Key("bf16", plan.Model.Dtype == WeightDtype.Bf16).Key("fp16", plan.Model.Dtype == WeightDtype.Fp16 ? true : null);
        yaml.Key("gradient_checkpointing", training.GradientCheckpointing);
        yaml.Key("attn_implementation", TransformersSpellings.Attention(training.Attention));
        yaml.Key("seed", training.Seed);
        WriteSharding(yaml, source, files);
        var data = plan.Data;
        if (data.TrainPath is { } train)
        {
            yaml.Section("datasets", d => d.Key("path", source.Relative(train)).Key("type", "completion"), asListItem: true);
            source.Note("the data is written as `type: completion` (one text per record); give prompt/completion records axolotl's type for them (alpaca, chat_template, ...).");
        }
        else if (data.NumExamples is not null)
        {
            source.Note($"axolotl has no key for the number of examples ({data.NumExamples}): without a data file the run time is not estimated.");
        }
        if (data.EvalPath is { } eval)
            yaml.Section("test_datasets", d => d.Key("path", source.Relative(eval)).Key("type", "completion").Key("split", "train"), asListItem: true);
        yaml.Key("output_dir", plan.Output.Dir).Key("save_steps", plan.Output.SaveEverySteps).Key("eval_steps", data.EvalPath is null ? null : plan.Output.EvalEverySteps);
        if (plan.Model.Regime.Fp32Master && plan.DeepSpeed.Engine != ShardingEngine.DeepSpeed)
            source.Note("the plan keeps an fp32 master copy of the weights; axolotl without DeepSpeed trains them in place in their 16-bit dtype, which needs less memory (its estimate differs).");
        source.NoteCommonLosses("axolotl");
        files.Insert(0, new ExportedFile(source.OutputPath, yaml.ToString()));
        return new ExportResult(files, source.Notes);
    }

    /// <summary>A shipped preset that has the stage and offload (axolotl's <c>deepspeed_configs/</c>), else a DeepSpeed
    /// JSON written beside the file; FSDP as <c>fsdp_config</c> (version 2: reshard after forward is ZeRO-3's memory).</summary>
    private static void WriteSharding(YamlDocument yaml, ExportSource source, List<ExportedFile> files)
    {
        var sharding = source.Plan.DeepSpeed;
        if (sharding.ZeroStage == 0)
            return;
        if (sharding.Engine == ShardingEngine.Fsdp)
        {
            yaml.Section("fsdp_config", f => f.Key("fsdp_version", 2).Key("reshard_after_forward", sharding.ZeroStage == 3)
                .Key("offload_params", sharding.OffloadOptimizer != OffloadTarget.None || sharding.OffloadParams != OffloadTarget.None)
                .Key("auto_wrap_policy", "TRANSFORMER_BASED_WRAP").Key("state_dict_type", "SHARDED_STATE_DICT"));
            return;
        }
        if (DeepSpeedPresets.For("axolotl", sharding.ZeroStage, sharding.OffloadOptimizer, sharding.OffloadParams) is { } preset)
        {
            yaml.Key("deepspeed", preset.Name);
            source.Note($"the sharding is axolotl's preset {preset.Name}: fetch it before launching (`axolotl fetch deepspeed_configs`).");
            return;
        }
        var json = Path.ChangeExtension(source.OutputPath, null) + ".deepspeed.json";
        files.Add(new ExportedFile(json, DeepSpeedExport.Text(source)));
        yaml.Key("deepspeed", source.Relative(json));
    }
}
