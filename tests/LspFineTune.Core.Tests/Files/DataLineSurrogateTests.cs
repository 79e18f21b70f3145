using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Files;

/// <summary>A data line whose JSON string holds a lone surrogate parses but cannot be read as text; it is counted, not fatal.</summary>
public class DataLineSurrogateTests
{
    [Fact]
    public void A_lone_surrogate_in_a_data_line_counts_by_its_raw_length()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("lft-surrogate-").FullName, "train.jsonl");
        File.WriteAllText(path, "{\"text\": \"fine\"}\n{\"text\": \"half \\ud800 pair\"}\n");

        var result = DataFileStatistics.TryRead(path, new AuxiliaryFileCache(), out var error);

        Assert.Null(error);
        Assert.Equal(2, result!.Examples);
        File.Delete(path);
    }
}
