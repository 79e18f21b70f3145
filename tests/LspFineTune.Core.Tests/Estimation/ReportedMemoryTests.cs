using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>The three figures tools report for one peak: torch's allocated and reserved peaks and the device's.</summary>
public class ReportedMemoryTests
{
    [Fact]
    public void Allocated_is_the_tensors_reserved_adds_the_allocators_share_and_the_device_the_CUDA_context()
    {
        var memory = Estimate.For(TestPlans.Catalog("llama-3.1-8b").WithLora(16).WithTraining(2, 2048)).Memory;
        var tensors = memory.Terms.Where(t => t.Name != MemoryTermNames.Overhead).Sum(t => t.Bytes);
        Assert.InRange(memory.AllocatedBytes, tensors - 1, tensors + 1);
        // Megatron's 5% of the tensors for the caching allocator; 650 MiB of CUDA context outside it.
        Assert.InRange(memory.ReservedBytes, 1.05 * tensors - 2, 1.05 * tensors + 2);
        Assert.InRange(memory.PeakBytes - memory.ReservedBytes, 650L * 1024 * 1024 - 1, 650L * 1024 * 1024 + 1);
        Assert.True(memory.AllocatedBytes < memory.ReservedBytes && memory.ReservedBytes < memory.PeakBytes);
    }
}
