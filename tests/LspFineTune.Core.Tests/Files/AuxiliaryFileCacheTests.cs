using LspFineTune.Core.Files;

namespace LspFineTune.Core.Tests.Files;

/// <summary>Files besides the document are read once per version of the file, never on every keystroke.</summary>
public class AuxiliaryFileCacheTests
{
    [Fact]
    public void A_file_is_read_again_only_when_its_size_or_modification_time_changes()
    {
        var cache = new AuxiliaryFileCache();
        var path = Path.Combine(Directory.CreateTempSubdirectory("lft-cache-").FullName, "ds.json");
        File.WriteAllText(path, "{}");
        var reads = 0;
        string Read(Stream stream)
        {
            reads++;
            return new StreamReader(stream).ReadToEnd();
        }

        Assert.Equal("{}", cache.Derive(path, "test", Read, out _));
        Assert.Equal("{}", cache.Derive(path, "test", Read, out _));
        Assert.Equal(1, reads);

        File.WriteAllText(path, "{\"a\": 1}");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("{\"a\": 1}", cache.Derive(path, "test", Read, out _));
        Assert.Equal(2, reads);
    }

    [Fact]
    public void Only_regular_files_under_the_cap_are_opened()
    {
        var cache = new AuxiliaryFileCache();
        var folder = Directory.CreateTempSubdirectory("lft-cache-").FullName;
        Assert.Equal("the file does not exist", cache.ReadText(Path.Combine(folder, "none.json"), 100).Problem);
        Assert.Equal("it is a directory, not a file", cache.ReadText(folder, 100).Problem);
        var big = Path.Combine(folder, "big.json");
        File.WriteAllText(big, new string(' ', 2000));
        Assert.StartsWith("it is 2 KB, over the", cache.ReadText(big, 1000).Problem);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(FileKind.Special, cache.Stat("/dev/zero").Kind);
            Assert.Contains("not a regular file", cache.ReadText("/dev/zero", 100).Problem);
        }
    }
}
