using System.Diagnostics;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Files;

/// <summary>Whatever a path names, reading it answers at once: a FIFO, a device, a directory or a huge line is refused
/// or cut, never waited on or held whole.</summary>
public class RegularFileTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_fifo_without_a_writer_is_refused_at_once_also_behind_a_symbolic_link()
    {
        if (OperatingSystem.IsWindows())
            return;
        var folder = Directory.CreateTempSubdirectory("lft-fifo-").FullName;
        var fifo = Path.Combine(folder, "train.jsonl");
        MakeFifo(fifo);
        var link = Path.Combine(folder, "config.json");
        File.CreateSymbolicLink(link, fifo);
        foreach (var path in new[] { fifo, link })
        {
            var (text, problem) = await Task.Run(() => (RegularFile.ReadText(path, 1000, out var problem), problem)).WaitAsync(Hang);
            Assert.Null(text);
            Assert.Contains("not a regular file", problem);
        }
    }

    [Fact]
    public void Devices_directories_and_missing_files_say_what_they_are()
    {
        var folder = Directory.CreateTempSubdirectory("lft-kinds-").FullName;
        Assert.Null(RegularFile.ReadText(folder, 1000, out var directory));
        Assert.Equal("it is a directory, not a file", directory);
        Assert.Null(RegularFile.ReadText(Path.Combine(folder, "none.yaml"), 1000, out var missing));
        Assert.Equal("the file does not exist", missing);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Null(RegularFile.ReadText("/dev/zero", 1000, out var device));
            Assert.Contains("not a regular file", device);
        }
    }

    [Fact]
    public void A_file_over_the_cap_is_refused_and_one_within_it_is_read_as_utf8_without_its_byte_order_mark()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("lft-cap-").FullName, "a.yaml");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, (byte)'a', (byte)':', (byte)' ', 0xFF]);
        Assert.Equal("a: \uFFFD", RegularFile.ReadText(path, 100, out _));
        Assert.Null(RegularFile.ReadText(path, 5, out var problem));
        Assert.StartsWith("it is 0 KB, over the", problem);
    }

    [Fact]
    public void A_line_past_the_cap_comes_back_cut_with_its_full_length()
    {
        var text = new string('x', 100_000) + "\r\nshort\nlast";
        var reader = new BoundedLineReader(new StringReader(text), maxLineCharacters: 1_000);
        Assert.Equal(new string('x', 1_000), reader.ReadLine(out var length, out var cut));
        Assert.Equal((100_000L, true), (length, cut));
        Assert.Equal("short", reader.ReadLine(out length, out cut));
        Assert.Equal((5L, false, true), (length, cut, reader.LastLineEnded));
        Assert.Equal("last", reader.ReadLine(out _, out _));
        Assert.False(reader.LastLineEnded);
        Assert.Null(reader.ReadLine(out _, out _));
    }

    [Fact]
    public void A_data_file_of_one_huge_line_costs_no_more_than_the_read_cap()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("lft-line-").FullName, "train.jsonl");
        using (var file = File.Create(path))
        {
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)'a');
            for (var i = 0; i < DataFileStatistics.MaxBytesRead / chunk.Length + 8; i++)
                file.Write(chunk);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = DataFileStatistics.TryRead(path, new AuxiliaryFileCache(), out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(error);
        Assert.NotNull(result);
        Assert.True(result.Truncated);
        // The line is never held whole: what is allocated is the decoded part read (2 bytes a char), not the file.
        Assert.True(allocated < 4 * DataFileStatistics.MaxBytesRead, $"allocated {allocated:N0} bytes");
        File.Delete(path);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
