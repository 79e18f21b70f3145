namespace LspFineTune.Core.Catalogs;

/// <summary>
/// What a GPU name resolved to: the entry, or the variants a name left open. <see cref="Variants"/> is empty when
/// <see cref="Gpu"/> is set, and when the name matched no product at all.
/// </summary>
/// <param name="Gpu">The entry the name names, or null.</param>
/// <param name="Variants">The entries of the product or line the name names but does not pin down: several variants
/// and no memory size, or a memory size none of them has.</param>
/// <param name="MemoryGb">The memory size the name carried ("80GB" gives 80), or null.</param>
public sealed record GpuLookup(GpuSpec? Gpu, IReadOnlyList<GpuSpec> Variants, int? MemoryGb)
{
    public static readonly GpuLookup None = new(null, [], null);
}
