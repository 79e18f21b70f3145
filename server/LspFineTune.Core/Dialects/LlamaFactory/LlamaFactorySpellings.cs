using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// What the classic and the v1 layout of LLaMA-Factory (hiyouga/LLaMA-Factory@ff6d4d1) share when binding: the
/// <c>flash_attn</c> values, quantization bits, LoRA targets (<c>all</c>, a comma string or a list), the reference
/// model of preference training, and how the GPU count is found (the launcher's environment, never the config).
/// </summary>
internal static class LlamaFactorySpellings
{
    /// <summary>What the hardware source says when no GPU count was given (launcher.py 57-120: torchrun with
    /// NPROC_PER_NODE, default every visible device, and NNODES).</summary>
    public const string GpuCountFromEnvironment = "llamafactory-cli starts one process per visible GPU, or NPROC_PER_NODE x NNODES from the environment";

    /// <summary>The hardware as every dialect resolves it (<paramref name="own"/>: the launch file's GPUs, for a run
    /// started with <c>accelerate launch</c>); when nothing states it, its source also says where llamafactory-cli
    /// would take the GPU count from.</summary>
    public static HardwareChoice? Hardware(DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, OwnHardware? own = null)
    {
        var hardware = HardwareResolver.Resolve(document, options, own ?? OwnHardware.None, provenance, diagnostics);
        if (provenance.Of(PlanField.GpusPerNode).Origin == ValueOrigin.Default && provenance.Of(PlanField.Gpu).Origin == ValueOrigin.Default)
            provenance.Set(PlanField.Gpu, provenance.Of(PlanField.Gpu) with { Detail = GpuCountFromEnvironment });
        return hardware;
    }

    /// <summary>Classic <c>flash_attn</c> (extras/constants.py 147; model_utils/attention.py 65-100): <c>auto</c> leaves
    /// transformers' default (sdpa), <c>disabled</c> is eager, <c>fa2</c>/<c>fa3</c> FlashAttention.</summary>
    public static AttentionKind Attention(string value) => value.Trim().ToLowerInvariant() switch
    {
        "disabled" => AttentionKind.Eager,
        "fa2" or "fa3" => AttentionKind.Flash,
        _ => AttentionKind.Sdpa,
    };

    public static string FlashAttn(AttentionKind kind) => kind switch
    {
        AttentionKind.Flash => "fa2",
        AttentionKind.Eager => "disabled",
        _ => "sdpa",
    };

    /// <summary><c>quantization_bit</c> (model_utils/quantization.py): 4 is NF4 (or FP4, same storage) with bitsandbytes,
    /// 8 is LLM.int8(); HQQ's 2 and 3 bits are estimated as 4-bit storage. Null: not quantized on the fly.</summary>
    public static (Quantization Kind, string? Approximation) Quantization(long? bits, string? method) => bits switch
    {
        null => (Planning.Quantization.None, null),
        8 => (Planning.Quantization.Int8, method is null or "bnb" ? null : $"`quantization_method: {method}` at 8 bits is estimated as LLM.int8() storage"),
        4 => (Planning.Quantization.Nf4, method is null or "bnb" ? null : $"`quantization_method: {method}` at 4 bits is estimated as bitsandbytes NF4 storage"),
        _ => (Planning.Quantization.Nf4, $"{bits}-bit quantization is estimated as 4-bit NF4 storage, an over-estimate"),
    };

    /// <summary>LoRA targets as LLaMA-Factory hands them to PEFT: <c>all</c> is every linear layer but the head
    /// (model_utils/misc.py find_all_linear_modules); otherwise module names, as a comma string (finetuning_args.py
    /// split_arg) or a list, each matched by suffix. Names no layer has are warned about on the value.</summary>
    public static LoraSettings Targets(SyntaxNode? value, LoraSettings lora, ModelChoice model, string key, List<Diagnostic> diagnostics)
    {
        var items = value switch
        {
            SequenceNode list => list.Items.OfType<ScalarNode>().SelectMany(s => Split(s)).ToList(),
            ScalarNode { IsNull: false } text => Split(text).ToList(),
            _ => [],
        };
        if (items.Count == 0 || items.Any(i => i.Name == "all"))
            return lora with { AllLinear = true, TargetModules = ["q_proj", "v_proj"] };
        var result = lora with { AllLinear = false, TargetModules = items.Select(i => i.Name).Distinct().ToList() };
        var firstRange = new Dictionary<string, TextRange>(StringComparer.Ordinal);
        foreach (var item in items)
            firstRange.TryAdd(item.Name, item.Range);
        var names = PeftTargets.LayerNames(model.Structure);
        foreach (var unmatched in LoraTargets.Unmatched(model.Structure, result))
        {
            var range = firstRange[unmatched];
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                $"LoRA target `{unmatched}` matches no linear layer of {model.Id}{PeftTargets.VisionTowerCaveat(model.Structure)} ({model.Architecture.ModelType}); PEFT refuses a target it cannot find. Its layers are: {names}. Use one of them, or `{key}: all`.",
                range));
        }
        return result;
    }

    /// <summary>The names of a comma string with the range of each (a list item is one name).</summary>
    private static IEnumerable<(string Name, TextRange Range)> Split(ScalarNode scalar)
    {
        var text = scalar.Value;
        // The value's text starts after any opening quote; a plain scalar on one line maps offsets one to one.
        var quoted = scalar.Range.End.Character - scalar.Range.Start.Character != text.Length ? 1 : 0;
        var start = 0;
        foreach (var part in text.Split(','))
        {
            var name = part.Trim();
            var offset = start + part.IndexOf(name, StringComparison.Ordinal);
            start += part.Length + 1;
            if (name.Length == 0)
                continue;
            var range = scalar.Range.Start.Line == scalar.Range.End.Line
                ? TextRange.FromBounds(scalar.Range.Start.Line, scalar.Range.Start.Character + quoted + offset, scalar.Range.Start.Line, scalar.Range.Start.Character + quoted + offset + name.Length)
                : scalar.Range;
            yield return (name, range);
        }
    }

    public static Diagnostic NotModelled(PropertyNode property, string message) =>
        new(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, message, property.Key.Range);
}
