using System.Text.RegularExpressions;
using LspFineTune.Core.Advice;

namespace LspFineTune.Core.Tests.Robustness;

/// <summary>
/// Every number in every bundled example, of every dialect, replaced in turn by a value at the edge of its type:
/// the analysis must answer (diagnostics, an estimate whose terms add up, fixes) and never throw.
/// </summary>
public class NumericLimitsFuzzTests
{
    private static readonly string[] EdgeValues =
    [
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999999", "1e400", "-1e400", "1e308", "-1e308", "1e-400", ".inf",
        "-.inf", ".nan", ".Inf", "0", "-1", "4.9e-324", "0x7fffffffffffffff", "1_000_000", "0o777",
    ];

    private static readonly Regex NumberValue = new(@"(?<=:\s*|^\s*-\s+|[\[,]\s*)-?\d[\d_.eE+-]*(?=\s*(#|,|\]|$))",
        RegexOptions.Multiline | RegexOptions.Compiled);

    [Fact]
    public void Every_number_in_every_example_at_the_edge_of_its_type_gets_an_answer_not_an_exception()
    {
        var failures = new List<string>();
        foreach (var file in ExampleFiles())
        {
            var original = File.ReadAllText(file);
            foreach (Match number in NumberValue.Matches(original))
            {
                foreach (var edge in EdgeValues)
                {
                    var text = original[..number.Index] + edge + original[(number.Index + number.Length)..];
                    try
                    {
                        var analysis = ConfigAnalyzer.AnalyzeFile(file, text);
                        if (analysis.Estimate is { } estimate)
                        {
                            Assert.Equal(estimate.Memory.Terms.Sum(t => t.Bytes), estimate.Memory.PeakBytes);
                            Assert.All(estimate.Memory.Terms, t => Assert.True(t.Bytes >= 0, $"{t.Name} is negative"));
                        }
                    }
                    catch (Exception e)
                    {
                        var line = original[..number.Index].Count(c => c == '\n') + 1;
                        failures.Add($"{Path.GetFileName(file)}:{line} `{number.Value}` -> `{edge}`: {e.GetType().Name}: {e.Message.Split('\n')[0]} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures.Distinct().Take(60)));
    }

    private static IEnumerable<string> ExampleFiles()
    {
        var examples = RepositoryPaths.Examples;
        return Directory.EnumerateFiles(examples, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml") || f.EndsWith(".yml") || f.EndsWith(".json"))
            .Where(f => !f.Contains("/models/") && !f.Contains("/data/"))
            .Order(StringComparer.Ordinal);
    }
}
