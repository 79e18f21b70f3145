using System.Globalization;
using System.Text;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Server.Presentation;

/// <summary>Estimates as short labels and Markdown for hovers, inlay hints, code lenses and the breakdown command.</summary>
public static class EstimateMarkdown
{
    public static string Size(double bytes, bool binaryUnits) => ByteSizes.Format(bytes, binaryUnits);

    /// <summary>"per GPU", or "on the CPU" for <c>hardware.gpu: cpu</c> (host memory, one device).</summary>
    public static string Per(GpuSpec device) => device.IsCpu ? "on the CPU" : "per GPU";

    /// <summary>"Peak 93.4 GB of 79.2 GB per GPU · 3 h 12 min/epoch" (the top code lens).</summary>
    public static string Summary(Estimate estimate, bool binaryUnits)
    {
        var memory = estimate.Memory;
        var verdict = memory.Fits ? "" : " (out of memory)";
        var runtime = estimate.Runtime;
        var time = runtime.EpochSeconds is { } epoch ? $"{DurationText.Format(epoch)}/epoch"
            : runtime.TotalSeconds is { } total ? $"{DurationText.Format(total)} total"
            : $"{DurationText.Format(runtime.StepSeconds)}/step";
        return $"Peak {Size(memory.PeakBytes, binaryUnits)} of {Size(memory.UsableBytes, binaryUnits)} {Per(estimate.Plan.Hardware.Gpu)}{verdict} · {time}";
    }

    /// <summary>"On 8 × H100 SXM5 80GB, from the modeline": the hardware and where it came from.</summary>
    public static string Hardware(Estimate estimate, Core.Dialects.PlanProvenance provenance)
    {
        var hardware = estimate.Plan.Hardware;
        return $"On {hardware.TotalGpus} × {hardware.Gpu.Name}, {Core.Dialects.HardwareResolver.Describe(provenance)}";
    }

    /// <summary>The whole breakdown as a Markdown table with the verdict and runtime.</summary>
    public static string Breakdown(Estimate estimate, bool binaryUnits)
    {
        var memory = estimate.Memory;
        var plan = estimate.Plan;
        var text = new StringBuilder();
        text.AppendLine($"**{(memory.Fits ? "Fits" : "Does not fit")}**: peak {Size(memory.PeakBytes, binaryUnits)} of {Size(memory.UsableBytes, binaryUnits)} usable {Per(plan.Hardware.Gpu)} ({Percent(memory.Utilisation)}) on {plan.Hardware.TotalGpus} × {plan.Hardware.Gpu.Name}");
        text.AppendLine();
        text.AppendLine($"| term | {(plan.Hardware.Gpu.IsCpu ? "bytes" : "per GPU")} | share | formula |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var term in memory.Terms.Where(t => t.Bytes > 0))
            text.AppendLine($"| {Label(term.Name)} | {Size(term.Bytes, binaryUnits)} | {Percent(term.Bytes / (double)memory.PeakBytes)} | {Escape(term.Formula)} |");
        text.AppendLine($"| **peak** | **{Size(memory.PeakBytes, binaryUnits)}** | | |");
        if (memory.OffloadedBytesPerNode > 0)
            text.AppendLine($"\nHost memory ({memory.OffloadTarget.ToConfigName()}) per node: {Size(memory.OffloadedBytesPerNode, binaryUnits)}");
        var runtime = estimate.Runtime;
        text.AppendLine();
        text.Append($"**Runtime**: {DurationText.Format(runtime.StepSeconds)} per step, {runtime.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture)} tokens/s");
        text.AppendLine(runtime.TotalSeconds is { } total ? $", {DurationText.Format(total)} for {runtime.TotalSteps:N0} steps" : " (total unknown: no data size)");
        text.AppendLine($"(assumes {Percent(runtime.UtilisationPrior)} of peak FLOPS)");
        return text.ToString();
    }

    /// <summary>Architecture and parameter count of the model being fine-tuned.</summary>
    public static string Model(Estimate estimate)
    {
        var plan = estimate.Plan;
        var architecture = plan.Model.Architecture;
        var parameters = estimate.Parameters;
        var text = new StringBuilder();
        text.AppendLine($"**{plan.Model.Id}**: {Count(parameters.BaseParameters)} parameters ({architecture.ModelType})");
        text.AppendLine();
        text.AppendLine($"- {architecture.NumHiddenLayers} layers, hidden {architecture.HiddenSize:N0}, {Mlp(architecture)}");
        text.AppendLine(architecture.IsMultiHeadLatentAttention
            ? $"- multi-head latent attention: {architecture.NumAttentionHeads} heads, key/value rank {architecture.KvLoraRank:N0}, query/key head dim {architecture.QueryKeyHeadDimension}, value head dim {architecture.ValueHeadDimension}"
            : $"- {architecture.NumAttentionHeads} attention heads, {architecture.KeyValueHeads} key/value heads, head dim {architecture.HeadDimension}");
        if (architecture.SlidingWindowLayers > 0 || architecture.LinearMixerLayers > 0)
            text.AppendLine($"- attention per layer: {architecture.FullAttentionLayers} full{(architecture.SlidingWindowLayers > 0 ? $", {architecture.SlidingWindowLayers} windowed ({architecture.SlidingWindow:N0} tokens)" : "")}{(architecture.LinearMixerLayers > 0 ? $", {architecture.LinearMixerLayers} linear or state-space (no quadratic term)" : "")}");
        if (estimate.Parameters.Structure.VisionParameters > 0)
            text.AppendLine($"- vision tower: {Count(estimate.Parameters.Structure.VisionParameters)} parameters (image-token activations are counted as part of the sequence; the tower's own activations are not modelled)");
        text.AppendLine($"- vocabulary {architecture.VocabSize:N0}{(architecture.TieWordEmbeddings ? ", tied embeddings" : "")}{(architecture.MaxPositionEmbeddings is { } context ? $", context {context:N0}" : "")}");
        text.AppendLine($"- trained here: {Count(parameters.TrainableParameters)} ({Percent(parameters.TrainableParameters / (double)parameters.BaseParameters, "0.##")})");
        if (plan.Model.PublishedParameters is { } published)
            text.AppendLine($"- published size: {Count(published)}");
        if (plan.Model.Stored is { } stored)
            text.AppendLine($"- base weights stored {stored.Name}: {stored.BytesPerWeight:0.###} B per block weight{(plan.Method.Type == Core.Planning.FineTuneMethod.Full ? " (full fine-tuning cannot train them)" : "")}");
        if (plan.Model.Origin is { } origin)
            text.AppendLine($"- from {origin.Describe()}");
        return text.ToString();
    }

    /// <summary>The MLP line: its width, or the experts (routed, active, shared, and how many blocks are sparse).</summary>
    private static string Mlp(Core.Catalogs.ModelArchitecture a)
    {
        if (!a.IsMixtureOfExperts)
            return $"MLP {a.IntermediateSize:N0}";
        var shared = a.SharedExpertIntermediateSize is > 0 and var width ? $", shared expert {width:N0}" : "";
        var dense = a.SparseLayers < a.NumHiddenLayers ? $"; {a.NumHiddenLayers - a.SparseLayers} dense layers of MLP {a.IntermediateSize:N0}" : "";
        return $"{a.Experts} experts of MLP {a.ExpertIntermediateSize:N0} ({a.ActiveExperts} active per token{shared}){dense}";
    }

    public static string Gpu(GpuSpec gpu, bool binaryUnits)
    {
        var text = new StringBuilder();
        text.AppendLine($"**{gpu.Name}** ({gpu.Vendor} {gpu.Architecture}{(gpu.IsCpu ? "" : $", compute capability {gpu.ComputeCapability}")})");
        text.AppendLine();
        text.AppendLine($"- usable memory {Size(gpu.UsableMemoryBytes, binaryUnits)} ({gpu.UsableMemorySource})");
        text.AppendLine($"- dense bf16 {Number(gpu.Bf16Tflops)} TFLOPS, fp16 {Number(gpu.Fp16Tflops)}, fp32 {Number(gpu.Fp32Tflops)}");
        text.AppendLine($"- memory bandwidth {Number(gpu.MemoryBandwidthGBps)} GB/s; {gpu.Interconnect} {Number(gpu.IntraNodeBandwidthGBps)} GB/s between GPUs");
        text.AppendLine($"- bf16 {(gpu.NativeBf16 ? "yes" : "no")}, FlashAttention-2 {(gpu.FlashAttention2 ? "yes" : "no")}");
        if (gpu.Notes is { Length: > 0 } notes)
            text.AppendLine($"- {notes}");
        return text.ToString();
    }

    /// <summary>"`true`: 61.2 GB per GPU (−38.2 GB: activations −38.2 GB), fits A100, +33% time".</summary>
    public static string Effect(KeyEffect effect, Core.Dialects.IDialectVocabulary vocabulary, bool binaryUnits)
    {
        var result = effect.Result.Memory;
        var moves = effect.TermDeltas.Take(2).Select(d => $"{Label(d.Term)} {Signed(d.Delta, binaryUnits)}");
        var verdict = result.Fits ? "fits" : "does not fit";
        var delta = effect.PeakDelta == 0 ? "no change" : $"{(effect.PeakDelta < 0 ? "saves" : "adds")} {Size(Math.Abs(effect.PeakDelta), binaryUnits)}";
        var detail = effect.TermDeltas.Count > 0 ? $" ({string.Join(", ", moves)})" : "";
        return $"`{vocabulary.Value(effect.Change)}`: {delta}{detail} → {Size(result.PeakBytes, binaryUnits)}, {verdict}; {TimeChange(effect.TimeRatio)}";
    }

    public static string TimeChange(double ratio)
    {
        var change = FixTitles.TimeChange(ratio);
        return change == "same time" ? "about the same time" : $"about {change}";
    }

    public static string Label(string termName) => termName.Replace('_', ' ');

    public static string Signed(long bytes, bool binaryUnits) => (bytes < 0 ? "−" : "+") + Size(Math.Abs(bytes), binaryUnits);

    public static string Count(long value) => value switch
    {
        >= 1_000_000_000 => (value / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + " M",
        _ => value.ToString("N0", CultureInfo.InvariantCulture),
    };

    /// <summary>"93%" (the invariant culture's P format writes "93 %").</summary>
    public static string Percent(double fraction, string format = "0") => (fraction * 100).ToString(format, CultureInfo.InvariantCulture) + "%";

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("|", "\\|");
}
