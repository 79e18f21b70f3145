using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Server.Cli;

/// <summary>`lft models` and `lft gpus`: what the catalogs hold, so users can pick ids.</summary>
public static class CatalogCommands
{
    public static int Models(TextWriter stdout)
    {
        var models = ModelCatalog.Default.All.OrderBy(m => m.Family, StringComparer.Ordinal).ThenBy(m => m.Structure.TotalParameters).ToList();
        var idWidth = Math.Max(2, models.Max(m => m.Id.Length));
        var familyWidth = Math.Max(6, models.Max(m => m.Family.Length));
        stdout.WriteLine($"{"id".PadRight(idWidth)} {"family".PadRight(familyWidth)} {"parameters",17} {"active",15}  {"kind",-6}  hugging face id");
        foreach (var model in models)
        {
            var structure = model.Structure;
            var active = model.Architecture.IsMixtureOfExperts ? structure.ActiveParameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "";
            stdout.WriteLine($"{model.Id.PadRight(idWidth)} {model.Family.PadRight(familyWidth)} {structure.TotalParameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),17} {active,15}  {Kind(model.Architecture),-6}  {model.HfId}");
        }
        stdout.WriteLine($"{models.Count} models in {models.Select(m => m.Family).Distinct().Count()} families; any other hub id is read from the Hugging Face cache or a local folder's config.json.");
        return CommandLine.Clean;
    }

    /// <summary>What sets the model apart for memory: experts, a vision tower, a hybrid mixer, or a plain dense decoder.</summary>
    private static string Kind(ModelArchitecture architecture) =>
        string.Join("+", new[]
        {
            architecture.IsMixtureOfExperts ? "moe" : "dense",
            architecture.LinearMixerLayers > 0 ? "hybrid" : null,
            architecture.Vision is not null ? "vlm" : null,
        }.Where(part => part is not null));

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
