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

    /// <summary>
    /// One line per GPU: the id to write, the memory the product name gives and what torch can use of it, dense bf16
    /// throughput, memory bandwidth, and whether bf16 and FlashAttention-2 run natively. Usable memory is in GiB, as
    /// nvidia-smi and torch count it: the vendor's "80 GB" is 80 GiB of chips, so in decimal GB usable would read larger.
    /// </summary>
    public static int Gpus(TextWriter stdout)
    {
        stdout.WriteLine($"{"id",-16} {"memory",7} {"usable",10} {"bf16 TF",8} {"GB/s",6} {"bf16",5} {"FA2",4}  name");
        foreach (var gpu in GpuCatalog.Default.All)
        {
            var memory = gpu.IsCpu ? "host" : $"{gpu.MemoryGb} GB";
            stdout.WriteLine($"{gpu.Id,-16} {memory,7} {ByteSizes.Format(gpu.UsableMemoryBytes, binary: true),10} {gpu.Bf16Tflops,8:0.#} {gpu.MemoryBandwidthGBps,6:0} {(gpu.NativeBf16 ? "yes" : "no"),5} {(gpu.FlashAttention2 ? "yes" : "no"),4}  {gpu.Name}");
        }
        return CommandLine.Clean;
    }
}
