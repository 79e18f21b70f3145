using System.Globalization;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>The trainer's values that a DeepSpeed config's "auto" keys take, with the trainer's own key names for messages.</summary>
public sealed record TrainerValues(long MicroBatch, string MicroBatchKey, long GradientAccumulation, string GradientAccumulationKey, int WorldSize, bool Bf16, bool Fp16, string PrecisionKey)
{
    /// <summary>The trainer's max_grad_norm (the HF Trainer's default is 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    public string MaxGradNormKey { get; init; } = "max_grad_norm";
}

/// <summary>
/// Checks a DeepSpeed config against the trainer config the way the Hugging Face integration does when it fills
/// "auto" (transformers@0234833 <c>integrations/deepspeed.py</c>, <c>HfTrainerDeepSpeedConfig.trainer_config_process</c>):
/// "auto" takes the trainer's value; any other value must equal it, or the run stops with one error listing every
/// mismatch and advising "auto". Each mismatch here is an error on the DeepSpeed value.
/// </summary>
public static class DeepSpeedAutoValues
{
    public static void Check(DeepSpeedReference reference, TrainerValues trainer, List<Diagnostic> diagnostics)
    {
        if (reference.Settings is not { } settings)
            return;
        void Compare<T>(DeepSpeedValue<T> value, string dsKey, T expected, string trainerKey) where T : struct
        {
            if (!value.IsSet || value.IsAuto || value.Value is not { } actual || actual.Equals(expected))
                return;
            var (range, file) = Where(reference, value.Property!);
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DeepSpeedValueMismatch,
                $"DeepSpeed `{dsKey}` is {Text(actual)} but the trainer's {trainerKey} gives {Text(expected)}: the Hugging Face integration stops the run on mismatched values. Set it to \"auto\" (it then takes {Text(expected)}).",
                range) with { FilePath = file });
        }
        Compare(settings.MicroBatch, "train_micro_batch_size_per_gpu", trainer.MicroBatch, $"`{trainer.MicroBatchKey}`");
        Compare(settings.GradientAccumulation, "gradient_accumulation_steps", trainer.GradientAccumulation, $"`{trainer.GradientAccumulationKey}`");
        Compare(settings.TrainBatch, "train_batch_size", trainer.MicroBatch * trainer.GradientAccumulation * trainer.WorldSize,
            $"`{trainer.MicroBatchKey}` x `{trainer.GradientAccumulationKey}` x {trainer.WorldSize} GPU{(trainer.WorldSize == 1 ? "" : "s")}");
        Compare(settings.GradientClipping, "gradient_clipping", trainer.MaxGradNorm, $"`{trainer.MaxGradNormKey}`");
        Compare(settings.Bf16, "bf16.enabled", trainer.Bf16, $"`{trainer.PrecisionKey}`");
        Compare(settings.Fp16, "fp16.enabled", trainer.Fp16, $"`{trainer.PrecisionKey}`");
    }

    /// <summary>A value's place: in the companion file, or (inline or a preset with no file) on the referring key.</summary>
    public static (Text.TextRange Range, string? File) Where(DeepSpeedReference reference, PropertyNode property) => reference switch
    {
        { IsInline: true } => (property.Value.Range, null),
        { Companion: { IsPreset: false } companion } => (property.Value.Range, companion.Path),
        _ => (reference.Key.Value.Range, null),
    };

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
