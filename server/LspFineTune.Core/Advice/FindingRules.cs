using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Advice;

/// <summary>
/// Findings about a bound plan and its estimate, in any dialect: predicted out-of-memory (an error on the key that
/// drives the largest term), a peak within 10% of the limit, hardware mismatches and option combinations that do
/// nothing or cannot run. Ranges come from the binding's provenance, key names from the dialect's vocabulary, and
/// each finding carries its fixes, written in the dialect's own keys. Each message says what, where, and what to do.
/// </summary>
public static class FindingRules
{
    public const double NearLimitUtilisation = 0.9;

    /// <param name="binaryUnits">Write sizes in GiB (2^30) instead of GB (10^9), as the editor's units setting asks.</param>
    public static IReadOnlyList<Diagnostic> For(DialectBinding binding, Estimate estimate, IConfigDialect dialect, bool binaryUnits = false)
    {
        var context = new FindingContext(binding, estimate, dialect, binaryUnits);
        var plan = estimate.Plan;
        var findings = new List<Diagnostic>();
        AddMemoryFindings(context, findings);
        AddHardwareFindings(context, findings);
        AddCombinationFindings(context, findings);
        if (plan.Model.Architecture.MaxPositionEmbeddings is { } trained && plan.Training.SequenceLength > trained)
        {
            findings.Add(Diagnostic.Warning(DiagnosticCodes.SequenceBeyondTrainedContext,
                $"{context.Name(PlanField.SequenceLength)} {plan.Training.SequenceLength:N0} is beyond the {trained:N0} tokens {plan.Model.Id} was trained for; quality degrades unless RoPE scaling is configured. Lower it or use a long-context model.",
                context.Provenance.ValueRange(PlanField.SequenceLength)));
        }
        if (!SequenceShape.AlwaysFull(plan) && plan.Data.Lengths is null && estimate.Memory.Utilisation > NearLimitUtilisation)
        {
            // An unpacked batch is padded to its longest example; with no lengths the peak assumes one fills the sequence.
            findings.Add(new Diagnostic(DiagnosticCodes.LengthsAssumed, DiagnosticSeverity.Information,
                $"Batches are not packed, so each is padded to its longest example; the data's lengths are not at hand, so the peak assumes an example of the full {context.Name(PlanField.SequenceLength)} ({plan.Training.SequenceLength:N0} tokens). If the longest is shorter, state it in a comment, e.g. `# lft: longest_tokens=1024 mean_tokens=300`.",
                context.Provenance.KeyRange(PlanField.SequenceLength)));
        }
        if (plan.Data.NumExamples is null && plan.Training.MaxSteps is null)
        {
            var vocabulary = dialect.Vocabulary;
            var how = vocabulary.Key(PlanField.DataTrain) is { } train && vocabulary.Key(PlanField.NumExamples) is { } examples && vocabulary.Key(PlanField.MeanTokensPerExample) is { } tokens
                ? $"set `{train}` to a readable JSON-lines file, or `{examples}` and `{tokens}`, or `{vocabulary.Key(PlanField.MaxSteps)}`"
                : $"the dataset's size is not read from {dialect.DisplayName} configs; set `{vocabulary.Key(PlanField.MaxSteps)}` for a total";
            findings.Add(new Diagnostic(DiagnosticCodes.NoDataSize, DiagnosticSeverity.Information,
                $"The total training time is unknown: {how}.",
                context.Provenance.KeyRange(PlanField.DataTrain)));
        }
        return findings;
    }

    private static void AddMemoryFindings(FindingContext context, List<Diagnostic> findings)
    {
        var estimate = context.Estimate;
        var memory = estimate.Memory;
        var gpu = estimate.Plan.Hardware.Gpu;
        if (memory.Fits && memory.Utilisation <= NearLimitUtilisation)
            return;
        var binaryUnits = context.BinaryUnits;
        var leading = memory.Terms.Where(t => t.Bytes > 0).OrderByDescending(t => t.Bytes).Take(3).ToList();
        var leadingText = string.Join(", ", leading.Select(t => $"{t.Name.Replace('_', ' ')} {ByteSizes.Format(t.Bytes, binaryUnits)}"));
        // The keys a user edits for the largest terms, each once (a companion file's fields share its `deepspeed:` key).
        var drivers = leading.SelectMany(t => t.DrivenBy)
            .Select(field => (Field: field, Property: context.Provenance.Driver(field)))
            .Where(d => d.Property is not null)
            .DistinctBy(d => d.Property)
            .ToList();
        var primary = drivers.Count > 0 ? drivers[0].Property!.Key.Range : context.Provenance.KeyRange(PlanField.Gpu);
        var related = drivers.Skip(1)
            .Select(d => new RelatedLocation(d.Property!.Key.Range, $"`{context.DriverName(d.Field, d.Property!)}` drives the estimate"))
            .ToList();
        var perGpu = estimate.Plan.Hardware.TotalGpus > 1 ? " per GPU" : "";
        var data = new Dictionary<string, string>
        {
            ["peak_bytes"] = memory.PeakBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["usable_bytes"] = memory.UsableBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var unwritable = context.Dialect.Unwritable(context.Binding);
        var fixes = QuickFixes.For(estimate, binaryUnits, context.Dialect.SaverOptions(context.Binding))
            .Where(f => !f.Changes.Any(c => unwritable.Contains(c.Field)))
            .Select(context.ToCodeFix)
            .Where(f => f.Edits.Count > 0)
            .ToList();
        if (!memory.Fits)
        {
            var best = fixes.FirstOrDefault(f => f.IsPreferred);
            var advice = best is not null
                ? $" Quickest fix: {best.Title}."
                : " No single change fits; run `lft plan` (or \"Find a plan that fits\") for a combination.";
            findings.Add(new Diagnostic(DiagnosticCodes.OutOfMemory, DiagnosticSeverity.Error,
                $"Out of memory: predicted peak {ByteSizes.Format(memory.PeakBytes, binaryUnits)}{perGpu} exceeds the {ByteSizes.Format(memory.UsableBytes, binaryUnits)} usable on {gpu.Name} (largest: {leadingText}).{advice}",
                primary) { Related = related, Data = data, Fixes = fixes });
        }
        else
        {
            findings.Add(new Diagnostic(DiagnosticCodes.NearMemoryLimit, DiagnosticSeverity.Warning,
                $"Predicted peak {ByteSizes.Format(memory.PeakBytes, binaryUnits)}{perGpu} is {memory.Utilisation:P0} of the {ByteSizes.Format(memory.UsableBytes, binaryUnits)} usable on {gpu.Name}: allocator growth over steps can still run out. Largest: {leadingText}.",
                primary) { Related = related, Data = data, Fixes = fixes });
        }
    }

    private static void AddHardwareFindings(FindingContext context, List<Diagnostic> findings)
    {
        var plan = context.Estimate.Plan;
        var gpu = plan.Hardware.Gpu;
        if (plan.Model.Dtype == WeightDtype.Bf16 && !gpu.NativeBf16 && !gpu.IsCpu)
        {
            var fix = new PlanChange(PlanField.Dtype, WeightDtype.Fp16);
            findings.Add(context.WithFix(Diagnostic.Warning(DiagnosticCodes.Bf16Unsupported,
                $"{gpu.Name} ({gpu.Architecture}) has no native bf16: it is emulated at about {gpu.Bf16Tflops:0.#} TFLOPS against {gpu.Fp16Tflops:0.#} for fp16, and Hugging Face Trainer refuses bf16 there. Use `{context.Setting(fix)}`.",
                context.Provenance.ValueRange(PlanField.Dtype)), "Use fp16 weights", fix));
        }
        if (plan.Model.Dtype == WeightDtype.Fp16 && gpu.IsCpu)
        {
            // fp16 mixed precision relies on CUDA's loss scaler (torch.cuda.amp.GradScaler) and fp16 tensor cores;
            // CPU training uses bf16 autocast or fp32, and the bundled trainer refuses fp16 on the CPU.
            var fix = new PlanChange(PlanField.Dtype, WeightDtype.Bf16);
            findings.Add(context.WithFix(Diagnostic.Warning(DiagnosticCodes.Fp16OnCpu,
                $"fp16 training does not run on the CPU: its loss scaling and fast kernels are CUDA features, and the bundled trainer refuses it. Use `{context.Setting(fix)}` (or fp32).",
                context.Provenance.ValueRange(PlanField.Dtype)), "Use bf16 weights", fix));
        }
        if (plan.Training.Attention == AttentionKind.Flash && !gpu.FlashAttention2)
        {
            var fix = new PlanChange(PlanField.Attention, AttentionKind.Sdpa);
            findings.Add(context.WithFix(Diagnostic.Warning(DiagnosticCodes.FlashAttentionUnsupported,
                $"FlashAttention-2 does not run on {gpu.Name} ({gpu.Architecture}, compute capability {gpu.ComputeCapability}); it needs Ampere or newer. Use `{context.Setting(fix)}`.",
                context.Provenance.ValueRange(PlanField.Attention)), "Use sdpa attention", fix));
        }
    }

    private static void AddCombinationFindings(FindingContext context, List<Diagnostic> findings)
    {
        var plan = context.Estimate.Plan;
        var deepSpeed = plan.DeepSpeed;
        void Warn(string code, string message, PlanField field, DiagnosticSeverity severity = DiagnosticSeverity.Warning) =>
            findings.Add(new Diagnostic(code, severity, message, context.Provenance.KeyRange(field)));

        if (deepSpeed.OffloadParams != OffloadTarget.None && deepSpeed.ZeroStage != 3)
            Warn(DiagnosticCodes.OffloadParamsNeedsStage3, $"`{context.Name(PlanField.OffloadParams)}` only works with ZeRO stage 3 (this config uses stage {deepSpeed.ZeroStage}), so it is ignored. Set `{context.Setting(new(PlanField.ZeroStage, 3))}` or remove it.", PlanField.OffloadParams);
        if (deepSpeed.OffloadOptimizer != OffloadTarget.None && deepSpeed.ZeroStage == 0)
            Warn(DiagnosticCodes.OffloadParamsNeedsStage3, $"`{context.Name(PlanField.OffloadOptimizer)}` needs ZeRO stage 1 or higher (this config uses stage 0), so it is ignored. Set `{context.Setting(new(PlanField.ZeroStage, 2))}`.", PlanField.OffloadOptimizer);
        if (deepSpeed.ZeroStage > 0 && plan.Hardware.TotalGpus == 1 && deepSpeed.OffloadOptimizer == OffloadTarget.None && deepSpeed.OffloadParams == OffloadTarget.None)
            Warn(DiagnosticCodes.ZeroWithOneGpu, $"ZeRO stage {deepSpeed.ZeroStage} partitions states across GPUs; with one GPU it saves nothing unless it offloads to CPU. Add GPUs or set `{context.Setting(new(PlanField.OffloadOptimizer, OffloadTarget.Cpu))}`.", PlanField.ZeroStage, DiagnosticSeverity.Information);
        if (plan.Method.Type == FineTuneMethod.Full && plan.Model.Quantization != Quantization.None)
            Warn(DiagnosticCodes.QuantizationWithFullFineTune, $"Quantized ({plan.Model.Quantization.ToConfigName()}) weights cannot be trained directly: full fine-tuning needs 16- or 32-bit weights. Use `{context.Setting(new(PlanField.Method, FineTuneMethod.Lora))}` (QLoRA) or `{context.Setting(new(PlanField.Quantization, Quantization.None))}`.", PlanField.Quantization, DiagnosticSeverity.Error);
        // transformers' Trainer refuses a quantized model without adapters ("You cannot perform fine-tuning on purely
        // quantized models", trainer.py), and a pre-quantized checkpoint is quantized whatever the config says.
        if (plan.Method.Type == FineTuneMethod.Full && plan.Model.Quantization == Quantization.None && plan.Model.Stored is { } stored)
            Warn(DiagnosticCodes.QuantizationWithFullFineTune, $"`{(context.Provenance.Written(PlanField.Model)?.Value is Syntax.ScalarNode { } id ? id.Value : plan.Model.Id)}` stores its weights {stored.Name}, which cannot be trained directly: full fine-tuning needs 16- or 32-bit weights. Use `{context.Setting(new(PlanField.Method, FineTuneMethod.Lora))}`, or the 16-bit base model.", PlanField.Model, DiagnosticSeverity.Error);
        if (plan.Method.Type == FineTuneMethod.ZerothOrder && plan.Optimizer.Type != OptimizerType.ZoSgd)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, $"Zeroth-order fine-tuning estimates gradients from two forward passes and updates with ZO-SGD; `{plan.Optimizer.Type.ToConfigName()}` cannot run it. Set `{context.Setting(new(PlanField.Optimizer, OptimizerType.ZoSgd))}`.", PlanField.Optimizer, DiagnosticSeverity.Error);
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && plan.Optimizer.Type == OptimizerType.ZoSgd)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, $"`zo_sgd` needs `{context.Setting(new(PlanField.Method, FineTuneMethod.ZerothOrder))}`; with backpropagation use adamw, adamw_8bit, sgd, adafactor or adarankgrad.", PlanField.Optimizer, DiagnosticSeverity.Error);
        if (plan.Method.Type == FineTuneMethod.Lora && plan.Optimizer.Type == OptimizerType.AdaRankGrad)
            Warn(DiagnosticCodes.OptimizerMethodMismatch, $"AdaRankGrad projects full-parameter gradients to low rank; LoRA adapters are already low-rank. Use `{context.Setting(new(PlanField.Method, FineTuneMethod.Full))}` with it, or adamw with LoRA.", PlanField.Optimizer);
    }

    /// <summary>What the rules share for one document: where values came from, how keys read, how fixes are written.</summary>
    private sealed record FindingContext(DialectBinding Binding, Estimate Estimate, IConfigDialect Dialect, bool BinaryUnits)
    {
        public PlanProvenance Provenance => Binding.Provenance;

        public string Name(PlanField field) => Dialect.Vocabulary.Key(field) ?? field.ToString();

        public string Setting(PlanChange change) => Dialect.Vocabulary.Setting(change);

        /// <summary>The field's key when the document writes it; else the key that names the file it lives in.</summary>
        public string DriverName(PlanField field, Syntax.PropertyNode property) =>
            Provenance.Written(field) is not null ? Name(field) : property.Key.Value;

        public CodeFix ToCodeFix(Fix fix) => new(fix.Title, Dialect.Write(Binding, fix.Changes))
        {
            IsPreferred = fix.IsPreferred,
            Changes = fix.Changes,
            Result = fix.Result,
        };

        public Diagnostic WithFix(Diagnostic diagnostic, string title, PlanChange change) =>
            diagnostic with
            {
                Data = new Dictionary<string, string> { ["suggestion"] = change.ValueText },
                Fixes = [new CodeFix(title, Dialect.Write(Binding, [change])) { IsPreferred = true, Changes = [change] }],
            };
    }
}
