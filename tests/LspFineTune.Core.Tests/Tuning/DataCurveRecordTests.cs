using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Tuning;

public class DataCurveRecordTests
{
    [Fact]
    public void A_record_reads_back_as_written()
    {
        var record = new DataCurveRecord("a.lft.yaml", "data/train.jsonl", 200, DataCurveRecord.StepsBudget,
            [new DataCurveRun(50, 60, 2.13, 9.5, null), new DataCurveRun(100, 60, null, 1.2, "lft-train exited 1: x")],
            new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var back = DataCurveRecord.Parse(record.ToJson(null).ToJsonString())!;
        Assert.Equal(record.Config, back.Config);
        Assert.Equal(record.Train, back.Train);
        Assert.Equal(DataCurveRecord.StepsBudget, back.Budget);
        Assert.Equal(record.Runs, back.Runs);
        Assert.Equal(record.Time, back.Time);
        Assert.Single(back.Points); // the failed run is no point
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("{\"config\": \"a\", \"train\": \"t\", \"examples\": \"many\", \"runs\": []}")]
    [InlineData("{\"config\": \"a\", \"train\": \"t\", \"examples\": 10, \"runs\": [{\"examples\": -5}]}")]
    [InlineData("{\"config\": \"a\", \"train\": \"t\", \"examples\": 10, \"runs\": [{\"examples\": 5, \"eval_loss\": \"low\"}]}")]
    public void A_damaged_record_is_no_record(string text) => Assert.Null(DataCurveRecord.Parse(text));
}
