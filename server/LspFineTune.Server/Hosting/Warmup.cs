using LspFineTune.Core;
using LspFineTune.Core.Schema;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// Loads the schema and catalogs and runs one analysis while the editor is still sending initialize, so the first
/// real document does not pay for them: building NJsonSchema's model alone took ~650 ms of a cold start
/// (docs/benchmarks.md). The lazy singletons make a request that arrives first simply wait for the same work.
/// </summary>
public static class Warmup
{
    private const string Sample = "model:\n  name: llama-2-7b\nmethod:\n  type: lora\nhardware:\n  gpu: a100-80gb\ndata:\n  num_examples: 1\n";

    public static void Run(ServerLog log)
    {
        try
        {
            _ = SchemaDocumentation.Default;
            _ = ConfigAnalyzer.Analyze(Sample);
        }
        catch (Exception e)
        {
            // Never fatal: the same error will surface, with context, on the first real document.
            log.Write($"warm-up failed: {e.Message}");
        }
    }
}
