using System.Text;
using LspFineTune.Trainer.Files;

namespace LspFineTune.Trainer.Tests;

public sealed class TrainerFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lft-files").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_FIFO_is_refused_without_blocking_on_open_and_the_error_says_what_and_what_to_do()
    {
        var fifo = SpecialFiles.MakeFifo(PathOf("data.jsonl"));

        var error = SpecialFiles.Throws<TrainerException>(() => TrainerFiles.ReadAllBytes(fifo, FileRole.DataFile with { Setting = "data.train" }));

        Assert.StartsWith($"{fifo}: the data file (data.train) is not a regular file", error.Message);
        Assert.Contains("Point data.train at a regular file", error.Message);
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_and_so_is_a_link_to_it()
    {
        var link = PathOf("tokenizer.json");
        File.CreateSymbolicLink(link, SpecialFiles.Zero);

        Assert.Contains("is not a regular file", SpecialFiles.Throws<TrainerException>(() => TrainerFiles.ReadAllText(SpecialFiles.Zero, FileRole.Config)).Message);
        Assert.Contains($"{link}: the tokenizer file is not a regular file", SpecialFiles.Throws<TrainerException>(() => TrainerFiles.ReadAllText(link, FileRole.Tokenizer)).Message);
    }

    [Fact]
    public void A_folder_and_a_missing_file_are_refused_by_name()
    {
        Assert.Contains("is a folder, not a file", Assert.Throws<TrainerException>(() => TrainerFiles.OpenRead(_folder, FileRole.ModelConfig)).Message);
        Assert.Contains("does not exist", Assert.Throws<TrainerException>(() => TrainerFiles.OpenRead(PathOf("nowhere.json"), FileRole.ModelConfig)).Message);
    }

    [Fact]
    public void A_file_over_its_roles_cap_is_refused_before_it_is_read()
    {
        var path = PathOf("manifest.json");
        File.WriteAllBytes(path, new byte[2048]);

        var error = Assert.Throws<TrainerException>(() => TrainerFiles.ReadAllBytes(path, new FileRole("checkpoint manifest", 1024)));

        Assert.Contains("is 2 KiB, more than the 1 KiB lft-train reads for one", error.Message);
    }

    [Fact]
    public void A_cancelled_read_stops_with_OperationCanceledException()
    {
        var path = PathOf("big.jsonl");
        File.WriteAllBytes(path, new byte[3 * TrainerFiles.ChunkBytes]);
        using var cancellation = new CancellationTokenSource();
        using var stream = TrainerFiles.OpenRead(path, FileRole.DataFile, cancellation.Token);
        Assert.Equal(1024, stream.Read(new byte[1024]));

        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => stream.Read(new byte[1024]));
    }

    [Fact]
    public void A_regular_file_reads_whole_and_a_copy_never_opens_a_FIFO()
    {
        var path = PathOf("config.json");
        File.WriteAllText(path, "\uFEFF{\"a\": \"é\"}");
        var fifo = SpecialFiles.MakeFifo(PathOf("special_tokens_map.json"));

        Assert.Equal("{\"a\": \"é\"}", TrainerFiles.ReadAllText(path, FileRole.ModelConfig));
        SpecialFiles.Throws<TrainerException>(() => TrainerFiles.Copy(fifo, PathOf("copy.json"), FileRole.CopiedModelFile));
        Assert.False(File.Exists(PathOf("copy.json")));
    }

    [Fact]
    public void Lines_longer_than_the_bound_and_lines_that_are_not_UTF8_are_problems_and_the_lines_after_them_still_read()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("\uFEFFfirst\r\n"));
        bytes.AddRange(Enumerable.Repeat((byte)'x', 300_000));
        bytes.AddRange("\n"u8.ToArray());
        bytes.AddRange([(byte)'a', 0xED, 0xA0, 0x80, (byte)'\n']); // a lone surrogate, UTF-8 encoded: not UTF-8
        bytes.AddRange("last"u8.ToArray());

        var lines = TextLines.Read(new MemoryStream(bytes.ToArray()), maxLineBytes: 100_000).ToList();

        Assert.Equal([1L, 2, 3, 4], lines.Select(l => l.Number));
        Assert.Equal("first", lines[0].Text);
        Assert.Contains("longer than 97.7 KiB", lines[1].Problem);
        Assert.Contains("not valid UTF-8 at byte 2", lines[2].Problem);
        Assert.Equal("last", lines[3].Text);
    }
}
