using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

public class GpuCatalogTests
{
    private static readonly GpuCatalog Catalog = GpuCatalog.Default;

    // The `name` column of shared/data/gpus.csv, copied here so the tests do not reach outside the repository.
    public static TheoryData<string, string> CsvNames => new()
    {
        { "A100 40GB SXM4", "a100-40gb" },
        { "A100 80GB SXM4", "a100-80gb" },
        { "A100 40GB PCIe", "a100-40gb-pcie" },
        { "A100 80GB PCIe", "a100-80gb-pcie" },
        { "H100 SXM5 80GB", "h100-sxm" },
        { "H100 PCIe 80GB", "h100-pcie" },
        { "H100 NVL 94GB", "h100-nvl" },
        { "H200 SXM 141GB", "h200" },
        { "H200 NVL 141GB", "h200-nvl" },
        { "B200 (HGX/DGX, SXM)", "b200" },
        { "L4", "l4" },
        { "L40S", "l40s" },
        { "A10G (AWS G5)", "a10g" },
        { "A10", "a10" },
        { "T4", "t4" },
        { "V100 SXM2 16GB", "v100-16gb" },
        { "V100 SXM2 32GB", "v100-32gb" },
        { "V100 PCIe 16/32GB", "v100-pcie" },
        { "RTX 3090", "rtx-3090" },
        { "RTX 4090", "rtx-4090" },
        { "RTX 6000 Ada", "rtx-6000-ada" },
        { "MI250X", "mi250x" },
        { "MI300X", "mi300x" },
    };

    [Theory]
    [MemberData(nameof(CsvNames))]
    public void Every_csv_row_is_an_entry_with_its_csv_name_as_an_alias(string csvName, string id)
    {
        var gpu = Catalog.Find(csvName);

        Assert.NotNull(gpu);
        Assert.Equal(id, gpu.Id);
        Assert.Contains(csvName, gpu.Aliases);
    }

    [Fact]
    public void Catalog_has_one_cpu_entry_and_it_is_last()
    {
        Assert.Single(Catalog.All, gpu => gpu.IsCpu);
        Assert.True(Catalog.All[^1].IsCpu);
    }

    [Fact]
    public void No_name_belongs_to_two_gpus()
    {
        var owner = new Dictionary<string, string>();
        foreach (var gpu in Catalog.All)
        {
            foreach (var name in gpu.Aliases.Prepend(gpu.Id))
            {
                var key = GpuCatalog.Normalize(name);
                if (owner.TryGetValue(key, out var other))
                {
                    Assert.True(other == gpu.Id, $"'{name}' names both {other} and {gpu.Id}");
                }

                owner[key] = gpu.Id;
                Assert.Equal(gpu.Id, Catalog.Find(name)?.Id);
            }
        }
    }

    [Fact]
    public void Ids_are_lower_case_kebab()
    {
        Assert.All(Catalog.All, gpu => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", gpu.Id));
    }

    [Fact]
    public void Every_gpu_has_sourced_and_sane_figures()
    {
        Assert.All(Catalog.All.Where(gpu => !gpu.IsCpu), gpu =>
        {
            // GPU memory is built in binary sizes (an A100 80GB is 81920 MiB), so the marketed GB, read as GiB, bound
            // what torch can allocate; ECC, the driver and the CUDA context take at most a few GiB of it.
            long total = (long)gpu.MemoryGb << 30;
            Assert.True(gpu.UsableMemoryBytes <= total, $"{gpu.Id}: usable {gpu.UsableMemoryBytes} > {gpu.MemoryGb} GiB");
            Assert.True(gpu.UsableMemoryBytes >= total * 0.85, $"{gpu.Id}: usable {gpu.UsableMemoryBytes} < 85% of {gpu.MemoryGb} GiB");
            Assert.False(string.IsNullOrWhiteSpace(gpu.UsableMemorySource), gpu.Id);
            Assert.True(gpu.Bf16Tflops > 0 && gpu.Fp16Tflops > 0 && gpu.Fp32Tflops > 0, gpu.Id);
            Assert.True(gpu.MemoryBandwidthGBps > 0 && gpu.IntraNodeBandwidthGBps > 0, gpu.Id);
            Assert.False(string.IsNullOrWhiteSpace(gpu.SpecSource), gpu.Id);
            Assert.StartsWith("https://", gpu.SpecSourceUrl);
            // A tensor figure above 2.6 PFLOPS per GPU is a sparsity figure (no GPU here has more dense BF16 than the GB200's 2.5).
            Assert.True(gpu.Bf16Tflops <= 2600 && gpu.Fp16Tflops <= 2600, $"{gpu.Id}: a sparsity figure?");
        });
    }

    [Fact]
    public void Nvidia_bf16_and_flash_attention_2_follow_the_compute_capability()
    {
        // Native bf16 and FlashAttention-2 need sm80 (Ampere) or newer; Pascal, Volta and Turing have neither.
        Assert.All(Catalog.All.Where(gpu => gpu.Vendor == "NVIDIA"), gpu =>
        {
            var major = int.Parse(gpu.ComputeCapability.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(gpu.NativeBf16 == major >= 8, $"{gpu.Id} ({gpu.ComputeCapability}): native_bf16 {gpu.NativeBf16}");
            Assert.True(gpu.FlashAttention2 == major >= 8, $"{gpu.Id} ({gpu.ComputeCapability}): flash_attention_2 {gpu.FlashAttention2}");
            // Without native bf16 the figure is an emulated rate, far below the fp16 one.
            if (!gpu.NativeBf16)
                Assert.True(gpu.Bf16Tflops < gpu.Fp16Tflops, gpu.Id);
        });
    }

    // nvidia-smi names the GH200 by its superchip's 480 GB of Grace LPDDR5X, not by the GPU's memory.
    private static readonly HashSet<string> HostMemoryNames = ["NVIDIA GH200 480GB", "GH200 480GB"];

    [Fact]
    public void An_alias_that_names_a_memory_size_names_the_entrys_own()
    {
        Assert.All(Catalog.All.Where(gpu => !gpu.IsCpu), gpu =>
        {
            foreach (var name in gpu.Aliases.Prepend(gpu.Name).Prepend(gpu.Id).Where(name => !HostMemoryNames.Contains(name)))
            {
                if (GpuName.Parse(name).MemoryGb is { } memory)
                    Assert.True(memory == gpu.MemoryGb, $"{gpu.Id}: '{name}' says {memory} GB, the entry {gpu.MemoryGb}");
            }
        });
    }

    [Fact]
    public void A100_80GB_usable_memory_is_torchs_79_17_GiB()
    {
        var a100 = Catalog.Find("a100-80gb");

        Assert.NotNull(a100);
        Assert.InRange(a100.UsableMemoryBytes, 85_007_157_248 - 1_000_000, 85_007_157_248 + 1_000_000);
    }

    [Fact]
    public void T4_has_no_native_bf16_and_no_flash_attention_2()
    {
        var t4 = Catalog.Find("t4");

        Assert.NotNull(t4);
        Assert.False(t4.NativeBf16);
        Assert.False(t4.FlashAttention2);
        // The bf16 figure is the measured emulated rate, far below fp16's tensor peak.
        Assert.True(t4.Bf16Tflops < t4.Fp16Tflops / 10);
    }

    [Theory]
    [InlineData("h100")]
    [InlineData("b200")]
    [InlineData("rtx-5090")]
    [InlineData("mi325x")]
    public void Hopper_blackwell_and_cdna3_have_flash_attention_2(string id)
    {
        Assert.True(Catalog.Find(id)?.FlashAttention2);
    }

    [Theory]
    [InlineData("p100")]
    [InlineData("p40")]
    [InlineData("v100-16gb")]
    [InlineData("t4")]
    public void Pascal_volta_and_turing_have_neither_bf16_nor_flash_attention_2(string id)
    {
        var gpu = Catalog.Find(id);

        Assert.NotNull(gpu);
        Assert.False(gpu.NativeBf16);
        Assert.False(gpu.FlashAttention2);
    }

    [Fact]
    public void Mi250x_is_planned_per_gcd()
    {
        var gcd = Catalog.Find("mi250x");

        Assert.NotNull(gcd);
        Assert.InRange(gcd.UsableMemoryBytes, 63L << 30, 64L << 30);
        Assert.Equal(383 / 2.0, gcd.Bf16Tflops);
    }

    [Theory]
    [InlineData("A100_80GB", "a100-80gb")]
    [InlineData("nvidia a100 80gb", "a100-80gb")]
    [InlineData("A100-80G", "a100-80gb")]
    [InlineData("a100", "a100-80gb")]
    [InlineData("H100", "h100-sxm")]
    [InlineData("h100 sxm5", "h100-sxm")]
    [InlineData("4090", "rtx-4090")]
    [InlineData("rtx4090", "rtx-4090")]
    [InlineData("NVIDIA GeForce RTX 4090", "rtx-4090")]
    [InlineData("Tesla V100-SXM2-32GB", "v100-32gb")]
    [InlineData("NVIDIA L40S", "l40s")]
    [InlineData("AMD Instinct MI300X", "mi300x")]
    [InlineData("nvidia tesla t4", "t4")]
    [InlineData("v100-pcie-16gb", "v100-pcie")]
    public void Find_tolerates_case_separators_and_vendor_prefixes(string name, string id)
    {
        Assert.Equal(id, Catalog.Find(name)?.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a100-120gb")]
    [InlineData("nvidia")]
    public void Find_returns_null_for_unknown_names(string name)
    {
        Assert.Null(Catalog.Find(name));
    }

    [Fact]
    public void Suggest_offers_the_nearest_ids()
    {
        Assert.Contains("a100-80gb", Catalog.Suggest("a100-80"));
        Assert.Equal("rtx-4090", Catalog.Suggest("rtx-4009").First());
        Assert.True(Catalog.Suggest("h100", max: 2).Count <= 2);
        Assert.Empty(Catalog.Suggest("definitely not a gpu"));
    }

    [Fact]
    public void Cpu_is_the_host_with_its_ram()
    {
        var cpu = Catalog.Find("cpu");

        Assert.NotNull(cpu);
        Assert.True(cpu.IsCpu);
        Assert.True(cpu.UsableMemoryBytes > 0);
        Assert.Equal(HostMemory.TotalBytes, cpu.UsableMemoryBytes);
        Assert.False(cpu.NativeBf16);
        Assert.False(cpu.FlashAttention2);
    }

    [Fact]
    public void MemTotal_is_read_in_kibibytes()
    {
        const string meminfo = "MemTotal:       16318412 kB\nMemFree:         1234567 kB\n";

        Assert.Equal(16_318_412L * 1024, HostMemory.ParseMemTotal(meminfo));
        Assert.Null(HostMemory.ParseMemTotal("MemFree: 1 kB\n"));
    }
}
