using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Server.Cli;

/// <summary>`lft models` and `lft gpus`: what the catalogs hold, so users can pick ids.</summary>
public static class CatalogCommands
{
    public static int Models(TextWriter stdout)
    {
        stdout.WriteLine($"{"id",-22} {"parameters",16}  hugging face id");
        foreach (var model in ModelCatalog.Default.All)
            stdout.WriteLine($"{model.Id,-22} {model.Structure.TotalParameters,16:N0}  {model.HfId}");
        return CommandLine.Clean;
    }

    public static int Gpus(TextWriter stdout)
    {
        stdout.WriteLine($"{"id",-16} {"usable",9} {"bf16 TF",8} {"bf16",5} {"FA2",4}  name");
        foreach (var gpu in GpuCatalog.Default.All)
        {
            stdout.WriteLine($"{gpu.Id,-16} {ByteSizes.Format(gpu.UsableMemoryBytes),9} {gpu.Bf16Tflops,8:0.#} {(gpu.NativeBf16 ? "yes" : "no"),5} {(gpu.FlashAttention2 ? "yes" : "no"),4}  {gpu.Name}");
        }
        return CommandLine.Clean;
    }
}
