using System.Globalization;
using System.Text;
using System.Text.Json;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// The same run written in every format (tests/same-run/, one folder per run) is bound to the same plan and gets the
/// same estimate, whichever front end reads it: the dialects differ in keys and defaults, not in what a run means.
/// The plan is compared field by field except what no estimate reads (model id spelling, output folder, data paths) and
/// the LoRA settings of a full fine-tune (each framework has its own unused defaults).
/// </summary>
public class SameRunTests
{
    public static IEnumerable<object[]> Runs() =>
        Directory.EnumerateDirectories(Path.Combine(TestRepository.Root, "tests", "same-run")).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    [Theory]
    [MemberData(nameof(Runs))]
    public void Every_format_of_a_run_binds_the_same_plan_and_the_same_estimate(string run)
    {
        var folder = Path.Combine(TestRepository.Root, "tests", "same-run", run);
        var files = Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var trainers = new List<(string File, string Dialect, string Plan, string Estimate)>();
        foreach (var path in files)
        {
            var analysis = ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), new AnalysisOptions
            {
                Binding = new BindingOptions { WorkspaceFolder = folder, Files = WithoutHubCache.Instance },
            });
            var errors = analysis.Diagnostics.Where(d => d.Severity == Diagnostics.DiagnosticSeverity.Error).Select(d => $"{d.Code} {d.Message}").ToList();
            Assert.True(errors.Count == 0, $"{Path.GetFileName(path)}: {string.Join(" | ", errors)}");
            Assert.NotNull(analysis.Dialect);
            if (analysis.Dialect.Id == "accelerate")
                continue; // a launch file: it names no model, it is read through the trainer configs that use it
            Assert.True(analysis.Plan is not null && analysis.Estimate is not null, $"{Path.GetFileName(path)} ({analysis.Dialect.Id}) has no estimate");
            trainers.Add((Path.GetFileName(path), analysis.Dialect.Id, Describe(analysis.Plan!), Describe(analysis.Estimate!)));
        }

        // The native format is the reference where it can state the run; it cannot state FSDP, so an FSDP run compares the
        // trainer formats with the first of them.
        var dialects = trainers.Select(t => t.Dialect).Distinct().ToList();
        var native = trainers.Where(t => t.Dialect == "native").ToList();
        Assert.True(dialects.Count >= (native.Count > 0 ? 5 : 3), $"{run}: only {string.Join(", ", dialects)}");
        var reference = native.Count > 0 ? native.Single() : trainers[0];
        foreach (var other in trainers)
        {
            Assert.True(reference.Plan == other.Plan, $"{other.File} ({other.Dialect}) binds another plan than {reference.File}:\n{Difference(reference.Plan, other.Plan)}");
            Assert.True(reference.Estimate == other.Estimate, $"{other.File} ({other.Dialect}) gets another estimate than {reference.File}:\n{Difference(reference.Estimate, other.Estimate)}");
        }
    }

    [Fact]
    public void The_full_fine_tune_is_written_in_all_six_formats()
    {
        var folder = Path.Combine(TestRepository.Root, "tests", "same-run", "full-fp32-1gpu");
        var dialects = Directory.EnumerateFiles(folder)
            .Select(path => ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), new AnalysisOptions { Binding = new BindingOptions { WorkspaceFolder = folder, Files = WithoutHubCache.Instance } }).Dialect?.Id)
            .Order(StringComparer.Ordinal);
        Assert.Equal(["axolotl", "llamafactory", "llamafactory-v1", "native", "torchtune", "trl"], dialects);
    }

    /// <summary>Every plan field an estimate reads, one per line, so a difference reads as a diff.</summary>
    private static string Describe(TrainingPlan plan)
    {
        var text = new StringBuilder();
        void Line(string name, object? value) => text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {value}");
        Line("architecture", JsonSerializer.Serialize(plan.Model.Architecture));
        Line("parameters", plan.Model.PublishedParameters);
        Line("dtype", plan.Model.Dtype);
        Line("pure half precision", LspFineTune.Core.Estimation.Precision.IsPure(plan));
        Line("quantization", plan.Model.Quantization);
        Line("gpu", plan.Hardware.Gpu.Id);
        Line("gpus per node", plan.Hardware.GpusPerNode);
        Line("nodes", plan.Hardware.Nodes);
        Line("method", plan.Method.Type);
        if (plan.Method.Type == FineTuneMethod.Lora)
        {
            var lora = plan.Method.Lora;
            Line("lora", $"r{lora.Rank} alpha {lora.Alpha} dropout {lora.Dropout} {(lora.AllLinear ? "all-linear" : string.Join(",", lora.TargetModules.Order(StringComparer.Ordinal)))}");
        }
        Line("optimizer", $"{plan.Optimizer.Type} lr {plan.Optimizer.LearningRate} wd {plan.Optimizer.WeightDecay} {plan.Optimizer.Scheduler} warmup {plan.Optimizer.WarmupSteps}");
        var training = plan.Training;
        Line("batch", $"{training.MicroBatchSize} x {training.GradientAccumulationSteps} x {training.SequenceLength}");
        Line("duration", $"{training.Epochs} epochs, max steps {training.MaxSteps?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        Line("checkpointing", training.GradientCheckpointing);
        Line("attention", training.Attention);
        Line("packing", training.Packing);
        Line("seed", training.Seed);
        Line("sharding", $"ZeRO-{plan.DeepSpeed.ZeroStage}, offload optimizer {plan.DeepSpeed.OffloadOptimizer}, params {plan.DeepSpeed.OffloadParams}");
        return text.ToString();
    }

    private static string Describe(Estimate estimate)
    {
        var text = new StringBuilder();
        foreach (var term in estimate.Memory.Terms)
            text.AppendLine(CultureInfo.InvariantCulture, $"{term.Name}: {term.Bytes} B");
        text.AppendLine(CultureInfo.InvariantCulture, $"peak: {estimate.Memory.PeakBytes} B, fits: {estimate.Memory.Fits}");
        text.AppendLine(CultureInfo.InvariantCulture, $"step: {estimate.Runtime.StepSeconds:R} s");
        return text.ToString();
    }

    private static string Difference(string expected, string actual) =>
        string.Join('\n', expected.Split('\n').Zip(actual.Split('\n')).Where(p => p.First != p.Second).Select(p => $"  expected {p.First}\n  actual   {p.Second}"));
}
