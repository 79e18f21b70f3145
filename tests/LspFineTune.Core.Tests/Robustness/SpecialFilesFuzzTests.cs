using System.Diagnostics;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Tests.Robustness;

/// <summary>
/// Every text value in every bundled example, replaced in turn by a path to something that is not a config file: a
/// FIFO with no writer, /dev/zero, a directory, a symbolic link to a device, a file of one 70 MB line. The analysis
/// answers promptly every time: reading such a file must never block or hold it whole.
/// </summary>
public class SpecialFilesFuzzTests
{
    private static readonly Regex TextValue = new(@"(?<=:[ \t]+|^\s*-[ \t]+)[A-Za-z.~/][^\s#,\]\}]*(?=[ \t]*(#.*)?$)", RegexOptions.Multiline | RegexOptions.Compiled);

    [Fact]
    public async Task Any_key_naming_a_special_file_gets_an_answer_without_blocking()
    {
        if (OperatingSystem.IsWindows())
            return;
        var specials = SpecialFiles();
        var examples = RepositoryPaths.Examples;
        var files = Directory.EnumerateFiles(examples, "*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".yaml") || f.EndsWith(".yml")) && !f.Contains("/models/") && !f.Contains("/data/"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var analysed = 0;
        try
        {
            await Task.Run(() =>
            {
                foreach (var file in files)
                {
                    var original = File.ReadAllText(file);
                    foreach (Match value in TextValue.Matches(original))
                    {
                        foreach (var special in specials)
                        {
                            var text = original[..value.Index] + special + original[(value.Index + value.Length)..];
                            var analysis = ConfigAnalyzer.AnalyzeFile(file, text);
                            Assert.All(analysis.Diagnostics, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
                            analysed++;
                        }
                    }
                }
            }).WaitAsync(TimeSpan.FromMinutes(5));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(specials[0])!, recursive: true);
        }
        Assert.True(analysed > 500, $"only {analysed} variants");
    }

    private static string[] SpecialFiles()
    {
        var folder = Directory.CreateTempSubdirectory("lft-special-").FullName;
        var fifo = Path.Combine(folder, "train.jsonl");
        using (var mkfifo = Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        var link = Path.Combine(folder, "ds_config.json");
        File.CreateSymbolicLink(link, "/dev/zero");
        var huge = Path.Combine(folder, "one-line.jsonl");
        using (var file = File.Create(huge))
        {
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)'{');
            for (var i = 0; i < 70; i++)
                file.Write(chunk);
        }
        return [fifo, "/dev/zero", link, folder, huge];
    }
}
