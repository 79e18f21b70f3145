using System.Diagnostics;
using System.Text;
using LspFineTune.Core;

namespace LspFineTune.Bench;

/// <summary>
/// Growing documents through the whole pipeline: a config with N unknown keys, N nested known-shaped keys, and a LoRA
/// target list of N names. Prints time and allocation per size and per key, so linear growth shows as a flat
/// per-key column. Not a test: compare the rows of one run with each other.
/// </summary>
internal static class ScaleBenchmark
{
    private const string Head = "# lft: dialect=axolotl\nbase_model: meta-llama/Llama-3.2-1B\nsequence_len: 512\nmicro_batch_size: 1\nadapter: lora\n";

    public static void Run(int largest)
    {
        var shapes = new (string Name, Func<int, string> Build)[]
        {
            ("unknown top-level keys", n => Build(n, (text, i) => text.Append('k').Append(i).Append(": ").Append(i).Append('\n'))),
            ("keys nested in a mapping", n => Build(n, (text, i) => text.Append(i == 0 ? "special_tokens:\n" : "").Append("  t").Append(i).Append(": x\n"))),
            ("LoRA target names", n => Build(n, (text, i) => text.Append(i == 0 ? "lora_target_modules:\n" : "").Append("  - layer_").Append(i).Append("_proj\n"))),
        };
        ConfigAnalyzer.AnalyzeFile("/bench/warm.yml", shapes[0].Build(100));
        Console.WriteLine($"{"document",-28} {"keys",10} {"chars",12} {"ms",10} {"us/key",8} {"alloc MB",10} {"KB/key",8} {"diagnostics",12}");
        foreach (var (name, build) in shapes)
        {
            for (var n = 1_000; n <= largest; n *= 10)
            {
                var text = build(n);
                // The faster of two runs: the first also pays for compiling the code paths this size reaches.
                var (ms, megabytes, analysis) = Measure(text);
                var second = Measure(text);
                if (second.Ms < ms)
                    (ms, megabytes, analysis) = second;
                Console.WriteLine($"{name,-28} {n,10:N0} {text.Length,12:N0} {ms,10:N0} {ms * 1000 / n,8:0.0} {megabytes,10:N0} {megabytes * 1000 / n,8:0.00} {analysis.Diagnostics.Count,12:N0}");
            }
        }
    }

    private static (double Ms, double Megabytes, ConfigAnalysis Analysis) Measure(string text)
    {
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        var analysis = ConfigAnalyzer.AnalyzeFile("/bench/config.yml", text);
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return (ms, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6, analysis);
    }

    private static string Build(int n, Action<StringBuilder, int> line)
    {
        var text = new StringBuilder(Head);
        for (var i = 0; i < n; i++)
            line(text, i);
        return text.ToString();
    }
}
