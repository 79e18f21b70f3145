using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Advice;

/// <summary>
/// Findings about a bound plan and its estimate: predicted out-of-memory (an error on the key that drives the
/// largest term), a peak within 10% of the limit, hardware mismatches and option combinations that do nothing
/// or cannot run. Each message says what, where, and what to do.
/// </summary>
public static class FindingRules
{
    public const double NearLimitUtilisation = 0.9;

    /// <param name="binaryUnits">Write sizes in GiB (2^30) instead of GB (10^9), as the editor's units setting asks.</param>
    public static IReadOnlyList<Diagnostic> For(ConfigSyntaxTree tree, Estimate estimate, bool binaryUnits = false)
    {
        var plan = estimate.Plan;
        var findings = new List<Diagnostic>();
        AddMemoryFindings(tree, estimate, binaryUnits, findings);
        AddHardwareFindings(tree, plan, findings);
        AddCombinationFindings(tree, plan, findings);
        if (plan.Model.Architecture.MaxPositionEmbeddings is { } trained && plan.Training.SequenceLength > trained)
        {
            findings.Add(Diagnostic.Warning(DiagnosticCodes.SequenceBeyondTrainedContext,
                $"sequence_length {plan.Training.SequenceLength:N0} is beyond the {trained:N0} tokens {plan.Model.Id} was trained for; quality degrades unless RoPE scaling is configured. Lower it or use a long-context model.",
                tree.RangeOf("training.sequence_length")));
        }
        if (plan.Data.NumExamples is null && plan.Training.MaxSteps is null)
        {
            findings.Add(new Diagnostic(DiagnosticCodes.NoDataSize, DiagnosticSeverity.Information,
                "The total training time is unknown: set `data.train` to a readable JSON-lines file, or `data.num_examples` and `data.mean_tokens_per_example`, or `training.max_steps`.",
                tree.RangeOf("data")));
        }
        return findings;
    }

    private static void AddMemoryFindings(ConfigSyntaxTree tree, Estimate estimate, bool binaryUnits, List<Diagnostic> findings)
    {
        var memory = estimate.Memory;
        var gpu = estimate.Plan.Hardware.Gpu;
        if (memory.Fits && memory.Utilisation <= NearLimitUtilisation)
            return;
        var leading = memory.Terms.Where(t => t.Bytes > 0).OrderByDescending(t => t.Bytes).Take(3).ToList();
        var leadingText = string.Join(", ", leading.Select(t => $"{t.Name.Replace('_', ' ')} {ByteSizes.Format(t.Bytes, binaryUnits)}"));
        var drivers = leading.SelectMany(t => t.DrivenBy).Distinct().Where(path => tree.FindProperty(path) is not null).ToList();
        var primary = drivers.Count > 0 ? tree.FindProperty(drivers[0])!.Key.Range
            : (tree.FindProperty("hardware.gpu") ?? tree.FindProperty("hardware") ?? tree.FindProperty("model"))?.Key.Range ?? tree.RangeOf("model");
        var related = drivers.Skip(1).Select(path => new RelatedLocation(tree.FindProperty(path)!.Key.Range, $"`{path}` drives the estimate")).ToList();
        var perGpu = estimate.Plan.Hardware.TotalGpus > 1 ? " per GPU" : "";
        var data = new Dictionary<string, string>
        {
            ["peak_bytes"] = memory.PeakBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["usable_bytes"] = memory.UsableBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (!memory.Fits)
        {
            var best = QuickFixes.For(estimate, binaryUnits).FirstOrDefault(f => f.IsPreferred);
            var advice = best is not null
                ? $" Quickest fix: {best.Title}."
                : " No single change fits; run `lft plan` (or \"Find a plan that fits\") for a combination.";
            findings.Add(new Diagnostic(DiagnosticCodes.OutOfMemory, DiagnosticSeverity.Error,
                $"Out of memory: predicted peak {ByteSizes.Format(memory.PeakBytes, binaryUnits)}{perGpu} exceeds the {ByteSizes.Format(memory.UsableBytes, binaryUnits)} usable on {gpu.Name} (largest: {leadingText}).{advice}",
                primary) { Related = related, Data = data });
        }
        else
        {
            findings.Add(new Diagnostic(DiagnosticCodes.NearMemoryLimit, DiagnosticSeverity.Warning,
                $"Predicted peak {ByteSizes.Format(memory.PeakBytes, binaryUnits)}{perGpu} is {memory.Utilisation:P0} of the {ByteSizes.Format(memory.UsableBytes, binaryUnits)} usable on {gpu.Name}: allocator growth over steps can still run out. Largest: {leadingText}.",
                primary) { Related = related, Data = data });
        }
    }

    private static void AddHardwareFindings(ConfigSyntaxTree tree, TrainingPlan plan, List<Diagnostic> findings)
    {
        var gpu = plan.Hardware.Gpu;
        if (plan.Model.Dtype == WeightDtype.Bf16 && !gpu.NativeBf16 && !gpu.IsCpu)
        {
            findings.Add(Diagnostic.Warning(DiagnosticCodes.Bf16Unsupported,
                $"{gpu.Name} ({gpu.Architecture}) has no native bf16: it is emulated at about {gpu.Bf16Tflops:0.#} TFLOPS against {gpu.Fp16Tflops:0.#} for fp16, and Hugging Face Trainer refuses bf16 there. Use `dtype: fp16`.",
                tree.RangeOf("model.dtype")) with { Data = new Dictionary<string, string> { ["suggestion"] = "fp16" } });
        }
        if (plan.Model.Dtype == WeightDtype.Fp16 && gpu.IsCpu)
        {
            // fp16 mixed precision relies on CUDA's loss scaler (torch.cuda.amp.GradScaler) and fp16 tensor cores;
            // CPU training uses bf16 autocast or fp32, and the bundled trainer refuses fp16 on the CPU.
            findings.Add(Diagnostic.Warning(DiagnosticCodes.Fp16OnCpu,
                "fp16 training does not run on the CPU: its loss scaling and fast kernels are CUDA features, and the bundled trainer refuses it. Use `dtype: bf16` (or fp32).",
                tree.RangeOf("model.dtype")) with { Data = new Dictionary<string, string> { ["suggestion"] = "bf16" } });
        }
        if (plan.Training.Attention == AttentionKind.Flash && !gpu.FlashAttention2)
        {
            findings.Add(Diagnostic.Warning(DiagnosticCodes.FlashAttentionUnsupported,
                $"FlashAttention-2 does not run on {gpu.Name} ({gpu.Architecture}, compute capability {gpu.ComputeCapability}); it needs Ampere or newer. Use `attention: sdpa`.",
                tree.RangeOf("training.attention")) with { Data = new Dictionary<string, string> { ["suggestion"] = "sdpa" } });
        }
    }

    private static void AddCombinationFindings(ConfigSyntaxTree tree, TrainingPlan plan, List<Diagnostic> findings)
    {
        var deepSpeed = plan.DeepSpeed;
        void Warn(string code, string message, string path, DiagnosticSeverity severity = DiagnosticSeverity.Warning) =>
            findings.Add(new Diagnostic(code, severity, message, KeyRange(tree, path)));

        if (deepSpeed.OffloadParams != OffloadTarget.None && deepSpeed.ZeroStage != 3)
            Warn(DiagnosticCodes.OffloadParamsNeedsStage3, $"`offload_params` only works with ZeRO stage 3 (this config uses stage {deepSpeed.ZeroStage}), so it is ignored. Set `zero_stage: 3` or remove it.", "deepspeed.offload_params");
        if (deepSpeed.OffloadOptimizer != OffloadTarget.None && deepSpeed.ZeroStage == 0)
            Warn(DiagnosticCodes.OffloadParamsNeedsStage3, "`offload_optimizer` needs ZeRO stage 1 or higher (this config uses stage 0), so it is ignored. Set `zero_stage: 2`.", "deepspeed.offload_optimizer");
        if (deepSpeed.ZeroStage > 0 && plan.Hardware.TotalGpus == 1 && deepSpeed.OffloadOptimizer == OffloadTarget.None && deepSpeed.OffloadParams == OffloadTarget.None)
            Warn(DiagnosticCodes.ZeroWithOneGpu, $"ZeRO stage {deepSpeed.ZeroStage} partitions states across GPUs; with one GPU it saves nothing unless it offloads to CPU. Add GPUs or set `offload_optimizer: cpu`.", "deepspeed.zero_stage", DiagnosticSeverity.Information);
        if (plan.Method.Type == FineTuneMethod.Full && plan.Model.Quantization != Quantization.None)
            Warn(DiagnosticCodes.QuantizationWithFullFineTune, $"Quantized ({plan.Model.Quantization.ToConfigName()}) weights cannot be trained directly: full fine-tuning needs 16- or 32-bit weights. Use `method.type: lora` (QLoRA) or `quantization: none`.", "model.quantization", DiagnosticSeverity.Error);
        if (plan.Method.Type != FineTuneMethod.Lora && tree.FindProperty("method.lora") is not null)
            Warn(DiagnosticCodes.LoraKeysWithoutLora, $"`method.lora` is ignored because `method.type` is {plan.Method.Type.ToConfigName()}. Set `type: lora` or remove the section.", "method.lora");
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && tree.FindProperty("method.zeroth_order") is not null)
            Warn(DiagnosticCodes.ZerothOrderKeysWithoutZerothOrder, $"`method.zeroth_order` is ignored because `method.type` is {plan.Method.Type.ToConfigName()}. Set `type: zeroth_order` or remove the section.", "method.zeroth_order");
        if (plan.Optimizer.Type != OptimizerType.AdaRankGrad && tree.FindProperty("optimizer.adarankgrad") is not null)
            Warn(DiagnosticCodes.AdaRankGradKeysWithoutAdaRankGrad, $"`optimizer.adarankgrad` is ignored because `optimizer.type` is {plan.Optimizer.Type.ToConfigName()}. Set `type: adarankgrad` or remove the section.", "optimizer.adarankgrad");
        if (plan.Method.Type == FineTuneMethod.ZerothOrder && plan.Optimizer.Type != OptimizerType.ZoSgd)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, $"Zeroth-order fine-tuning estimates gradients from two forward passes and updates with ZO-SGD; `{plan.Optimizer.Type.ToConfigName()}` cannot run it. Set `optimizer.type: zo_sgd`.", "optimizer.type", DiagnosticSeverity.Error);
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && plan.Optimizer.Type == OptimizerType.ZoSgd)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, "`zo_sgd` needs `method.type: zeroth_order`; with backpropagation use adamw, adamw_8bit, sgd, adafactor or adarankgrad.", "optimizer.type", DiagnosticSeverity.Error);
        if (plan.Method.Type == FineTuneMethod.Lora && plan.Optimizer.Type == OptimizerType.AdaRankGrad)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, "AdaRankGrad projects full-parameter gradients to low rank; LoRA adapters are already low-rank. Use `method.type: full` with it, or adamw with LoRA.", "optimizer.type");
    }

    /// <summary>The key of a path when present (a finding about a key's presence), else the best available range.</summary>
    private static TextRange KeyRange(ConfigSyntaxTree tree, string path) =>
        tree.FindProperty(path)?.Key.Range ?? tree.RangeOf(path);
}
