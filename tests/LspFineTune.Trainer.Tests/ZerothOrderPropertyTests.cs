using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;
using LspFineTune.Trainer.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

/// <summary>MeZO and SensZOQ keep their papers' defining properties (and the reference implementation's behaviour).</summary>
public sealed class ZerothOrderPropertyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string Sections(string zerothOrder, string extraMethod = "", double weightDecay = 0, int steps = 6, int batch = 8) => $$"""
        method:
          type: zeroth_order
          zeroth_order: { epsilon: 1.0e-3, {{zerothOrder}} }
          {{extraMethod}}
        optimizer:
          type: zo_sgd
          learning_rate: 5.0e-4
          weight_decay: {{weightDecay}}
          lr_scheduler: constant
        training:
          micro_batch_size: {{batch}}
          sequence_length: 64
          max_steps: {{steps}}
          seed: 5
        """;

    private static (TrainingSummary Summary, MetricsLines Metrics, string Log) Train(TempRun run, string sections, string quantization = "none", bool resume = false)
    {
        var stdout = new StringWriter();
        var log = new StringWriter();
        var summary = new TrainingSession(new TrainOptions { ConfigPath = run.WriteConfig(sections, quantization: quantization), Resume = resume }, stdout, log).Run();
        return (summary, new MetricsLines(stdout.ToString()), log.ToString());
    }

    private static Dictionary<string, Tensor> Weights(string folder) =>
        SafeTensorsFile.Read(Path.Combine(folder, "model.safetensors")).Tensors.ToDictionary(t => t.Key, t => t.Value);

    [Fact]
    public void Weight_decay_shrinks_matrices_as_the_reference_update_does_and_spares_norm_scales()
    {
        LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();
        manual_seed(2);
        var matrix = new Parameter(randn(8, 4), requires_grad: false);
        var scale = new Parameter(ones(4), requires_grad: false);
        var (matrixBefore, scaleBefore) = (matrix.detach().clone(), scale.detach().clone());
        var optimizer = new ZerothOrderOptimizer([new("m", matrix, null, true), new("s", scale, null, false)], 1e-3, seed: 1, weightDecay: 0.5);
        // A flat loss: the projected gradient is 0, so only the decay moves the weights: theta -= lr * wd * theta.
        optimizer.Step(0, () => 1.0, learningRate: 0.1);
        Assert.True(matrix.allclose(matrixBefore * 0.95, rtol: 1e-5, atol: 1e-6), "matrix decayed by lr * wd");
        Assert.True(scale.allclose(scaleBefore, rtol: 1e-5, atol: 1e-6), "norm scale untouched");
    }

    [Fact]
    public void The_two_perturbed_forwards_run_in_eval_mode_so_dropout_does_not_change_them()
    {
        // With LoRA dropout in train mode the losses would depend on the dropout rate; in eval mode they cannot.
        string Lora(double dropout) => $"lora: {{ rank: 4, alpha: 8, dropout: {dropout}, target_modules: [q_proj, v_proj] }}";
        using var without = new TempRun();
        using var with = new TempRun();
        var plain = Train(without, Sections("parameters: lora", Lora(0.0), steps: 4)).Metrics.Events("step").Select(e => e["loss"]!.GetValue<double>()).ToList();
        var dropped = Train(with, Sections("parameters: lora", Lora(0.5), steps: 4)).Metrics.Events("step").Select(e => e["loss"]!.GetValue<double>()).ToList();
        Assert.Equal(plain, dropped);
    }

    [Fact]
    public void Zeroth_order_over_LoRA_trains_only_the_adapter_and_saves_an_adapter()
    {
        using var run = new TempRun();
        var (summary, metrics, _) = Train(run, Sections("parameters: lora", "lora: { rank: 4, alpha: 8, dropout: 0.0, target_modules: [q_proj, v_proj] }"));
        var start = metrics.Events("start").Single();
        // 4 layers x (q: 4 x (128 + 128) + v: 4 x (128 + 64)) = 7,168 adapter values.
        Assert.Equal(7168, start["trainable_parameters"]!.GetValue<long>());
        Assert.Equal("zeroth_order", start["method"]!.GetValue<string>());
        Assert.NotNull(summary.AdapterDirectory);
        Assert.Null(summary.ModelDirectory);
        var adapter = SafeTensorsFile.Read(Path.Combine(summary.AdapterDirectory!, "adapter_model.safetensors")).Tensors;
        Assert.Contains(adapter, t => t.Key.EndsWith("lora_B.weight", StringComparison.Ordinal) && t.Value.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void SensZOQ_perturbs_and_updates_only_the_masked_fraction()
    {
        using var run = new TempRun();
        var (summary, metrics, log) = Train(run, Sections("trainable_fraction: 0.01"));
        var total = metrics.Events("start").Single()["total_parameters"]!.GetValue<long>();
        var masked = (long)Math.Round(total * 0.01);
        Assert.Contains($"perturbs {masked:N0} values a step", log);
        var before = Weights(TempRun.TinyModel);
        var after = Weights(summary.ModelDirectory!);
        var changed = after.Sum(w => before[w.Key].ne(w.Value).sum().item<long>());
        output.WriteLine($"{changed} of {total} weights changed, mask {masked}");
        Assert.InRange(changed, 1, masked);
    }

    [Fact]
    public void SensZOQ_on_an_NF4_base_changes_only_masked_weights_of_the_quantized_remainder()
    {
        using var run = new TempRun();
        var (summary, metrics, log) = Train(run, Sections("trainable_fraction: 0.01"), quantization: "nf4");
        Assert.Contains("held in NF4", log);
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss + 0.05, $"NF4 base keeps the model usable: {summary.InitialEvalLoss} -> {summary.FinalEvalLoss}");
        // The run trains in fp32 (the bundled weights are stored bf16), so the reference is quantized from fp32 too.
        var before = Weights(TempRun.TinyModel).ToDictionary(w => w.Key, w => w.Value.to(float32));
        var after = Weights(summary.ModelDirectory!);
        var total = metrics.Events("start").Single()["total_parameters"]!.GetValue<long>();
        long changed = 0;
        foreach (var (name, value) in after)
        {
            // Projections come back as NF4(base) with the sensitive entries at full precision; the rest as trained.
            using var reference = name.EndsWith("proj.weight", StringComparison.Ordinal) ? Nf4Weight.Quantize(before[name]) : null;
            using var baseline = reference?.Dequantize() ?? before[name];
            changed += baseline.ne(value).sum().item<long>();
        }
        Assert.InRange(changed, 1, (long)Math.Round(total * 0.01));
    }

    [Fact]
    public void SensZOQ_checkpoints_grow_with_the_mask_not_the_model()
    {
        long StateBytes(double fraction)
        {
            using var run = new TempRun();
            Train(run, Sections($"trainable_fraction: {fraction}", steps: 2));
            var checkpoint = Directory.GetDirectories(Path.Combine(run.Output, "checkpoints")).Single();
            return new FileInfo(Path.Combine(checkpoint, CheckpointStore.StateFile)).Length;
        }
        var modelBytes = new FileInfo(Path.Combine(TempRun.TinyModel, "model.safetensors")).Length;
        var small = StateBytes(0.001);
        var large = StateBytes(0.01);
        output.WriteLine($"model {modelBytes} B, checkpoint at 0.1 % {small} B, at 1 % {large} B");
        Assert.True(small < modelBytes / 50, $"a 0.1 % checkpoint is {small} B against the model's {modelBytes} B");
        Assert.True(large > small * 4, $"ten times the mask: {small} B -> {large} B");
    }

    [Fact]
    public void A_checkpoint_with_dense_masks_from_an_earlier_version_is_refused_with_the_way_out()
    {
        using var run = new TempRun();
        var sections = Sections("trainable_fraction: 0.01", steps: 2);
        run.WriteConfig(sections);
        LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();
        var store = new CheckpointStore(Path.Combine(run.Output, "checkpoints"), TextWriter.Null);
        using var weight = zeros(512, 128);
        using var mask = zeros(512, 128);
        using var rng = TorchSharp.torch.random.get_rng_state();
        store.Save(1, [("param.model.embed_tokens.weight", weight), ("mezo_mask.model.embed_tokens.weight", mask), ("rng.cpu", rng)], new Dictionary<string, string> { ["method"] = "zeroth_order", ["optimizer"] = "zo_sgd", ["step"] = "1", ["writer"] = "lft-train" });
        File.WriteAllText(Path.Combine(run.Output, ".lft-train-output"), "");
        var error = Assert.Throws<TrainerException>(() => Train(run, sections, resume: true));
        Assert.Contains("stored SensZOQ masks densely", error.Message);
        Assert.Contains("Start afresh", error.Message);
    }

    [Fact]
    public void Dense_MeZO_peaks_near_inference_memory_far_below_backpropagation()
    {
        (long Before, long Peak) Peak(string sections)
        {
            using var run = new TempRun();
            var info = TrainerProcess.StartInfo("train", run.WriteConfig(sections));
            // A fixed mmap threshold returns freed tensors to the system, so VmHWM shows the tensors' own peak rather
            // than what glibc's heap happened to keep (docs/trainer.md, "Where the CPU estimate falls short").
            info.Environment["MALLOC_MMAP_THRESHOLD_"] = "131072";
            using var process = System.Diagnostics.Process.Start(info)!;
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr);
            var metrics = new MetricsLines(stdoutTask.Result);
            return (metrics.Events("start").Single()["rss_bytes_before_training"]!.GetValue<long>(), metrics.End["peak_rss_bytes"]!.GetValue<long>());
        }
        const string training = "training: { micro_batch_size: 32, sequence_length: 256, max_steps: 3, seed: 5 }";
        var mezo = Peak("method: { type: zeroth_order }\noptimizer: { type: zo_sgd, learning_rate: 1.0e-4, lr_scheduler: constant }\n" + training);
        var full = Peak("method: { type: full }\noptimizer: { type: adamw, learning_rate: 1.0e-4, lr_scheduler: constant }\n" + training);
        var mezoGrowth = mezo.Peak - mezo.Before;
        var fullGrowth = full.Peak - full.Before;
        output.WriteLine($"growth during training: MeZO {mezoGrowth / 1048576.0:F0} MiB, full AdamW {fullGrowth / 1048576.0:F0} MiB");
        // Forward-only: no stored activations, gradients or moments; what grows is one forward's transients (here
        // mostly the logits and their log-softmax, as in inference), against every layer's saved activations.
        Assert.True(mezoGrowth * 2 < fullGrowth, $"MeZO grew {mezoGrowth / 1048576.0:F0} MiB, backprop {fullGrowth / 1048576.0:F0} MiB");
    }
}
