using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Tests.Dialects;
using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Advice;

/// <summary>LFT0603: the measured data curve next to a config, read back by the analysis, puts a finding on the train
/// data when the data set is far from where gains flatten; without a curve, or for other data, nothing is said.</summary>
public sealed class DataSizeFindingsTests : IDisposable
{
    private readonly DialectTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Config(int examples)
    {
        _files.Write("data/train.jsonl", string.Concat(Enumerable.Range(0, examples).Select(i => $"{{\"text\": \"example {i}\"}}\n")));
        _files.Write("data/eval.jsonl", "{\"text\": \"held out\"}\n");
        return _files.Write("run.lft.yaml", $"""
            model:
              path: {Path.Combine(RepositoryPaths.Examples, "models/tiny")}
            hardware:
              gpu: cpu
            method:
              type: lora
            training:
              micro_batch_size: 4
              max_steps: 60
            data:
              train: ./data/train.jsonl
              eval: ./data/eval.jsonl
            """);
    }

    // L(n) = 1.5 + 2·n^-0.5 measured from 100 to 1,600 examples: gains flatten near 3,466.
    private static void Measure(string configPath, string train, long examples, string budget = DataCurveRecord.StepsBudget) =>
        new DataCurveRecord(Path.GetFileName(configPath), train, examples, budget,
            [.. new long[] { 100, 200, 400, 800, 1600 }.Select(n => new DataCurveRun(n, 60, 1.5 + 2 * Math.Pow(n, -0.5), 9, null))],
            DateTimeOffset.UtcNow).Write(configPath, null);

    private IReadOnlyList<Diagnostic> Findings() =>
        _files.Analyze("run.lft.yaml").Diagnostics.Where(d => d.Code == DiagnosticCodes.DataSizeOnCurve).ToList();

    [Fact]
    public void A_data_set_far_below_the_measured_flattening_gets_a_warning_on_its_train_file()
    {
        var config = Config(800);
        Measure(config, "data/train.jsonl", 800);
        var finding = Assert.Single(Findings());
        Assert.Equal(DiagnosticSeverity.Warning, finding.Severity);
        Assert.Contains("More data would still help", finding.Message);
        Assert.Contains("lft data-curve", finding.Message);
        var line = File.ReadAllLines(config)[finding.Range.Start.Line];
        Assert.Contains("./data/train.jsonl", line[finding.Range.Start.Character..]);
    }

    [Fact]
    public void A_data_set_far_past_it_gets_information()
    {
        var config = Config(20_000);
        Measure(config, "data/train.jsonl", 20_000, DataCurveRecord.EpochsBudget);
        var finding = Assert.Single(Findings());
        Assert.Equal(DiagnosticSeverity.Information, finding.Severity);
        Assert.Contains("buy little", finding.Message);
        Assert.Contains("half of the run's compute", finding.Message);
    }

    [Fact]
    public void No_curve_a_curve_of_other_data_or_a_size_near_flattening_says_nothing()
    {
        var config = Config(800);
        Assert.Empty(Findings());
        Measure(config, "data/other.jsonl", 800);
        Assert.Empty(Findings());
        Config(2_000);
        Measure(config, "data/train.jsonl", 2_000);
        Assert.Empty(Findings());
    }
}
