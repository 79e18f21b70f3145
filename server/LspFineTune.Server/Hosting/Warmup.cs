using LspFineTune.Core;
using LspFineTune.Core.Schema;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// Loads the schemas and catalogs and runs one analysis per dialect while the editor is still sending initialize, so the first
/// real document does not pay for them: building NJsonSchema's model alone took ~650 ms of a cold start
/// (docs/benchmarks.md). The lazy singletons make a request that arrives first simply wait for the same work.
/// </summary>
public static class Warmup
{
    private const string Sample = "model:\n  name: llama-2-7b\nmethod:\n  type: lora\nhardware:\n  gpu: a100-80gb\ndata:\n  num_examples: 1\n";

    /// <summary>An axolotl config with a misspelt key, so the did-you-mean over its 484 keys is compiled too.</summary>
    private const string AxolotlSample = "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 2048\nmicro_batch_size: 2\nlearning_rate: 0.0002\nadapter: lora\nlora_dropoutt: 0.05\ndeepspeed:\n  zero_optimization:\n    stage: 2\n";

    public static void Run(ServerLog log)
    {
        try
        {
            _ = SchemaDocumentation.Default;
            _ = ConfigAnalyzer.Analyze(Sample);
            // Every dialect's schema (axolotl's has 484 keys): the first real axolotl or DeepSpeed file then costs no more.
            _ = ConfigAnalyzer.Analyze(AxolotlSample);
            foreach (var dialect in Core.Dialects.DialectRegistry.Default.Dialects)
                _ = dialect.Documentation;
        }
        catch (Exception e)
        {
            // Never fatal: the same error will surface, with context, on the first real document.
            log.Write($"warm-up failed: {e.Message}");
        }
    }
}
