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

/// <summary>bitsandbytes' paged optimizers keep their states in CUDA unified memory, outside the peak.</summary>
public class PagedOptimizerTests
{
    [Theory]
    [InlineData("paged_adamw_8bit", true)]
    [InlineData("adamw_bnb_8bit", false)]
    public void Paged_states_are_outside_the_peak_and_reported_beside_it(string optimizer, bool paged)
    {
        using var files = new Dialects.DialectTestFiles();
        files.Write("a.yml", $"base_model: meta-llama/Llama-3.2-1B\nsequence_len: 1024\nmicro_batch_size: 1\nbf16: true\noptimizer: {optimizer}\ndatasets:\n  - path: my-org/data\n    type: alpaca\n");
        var estimate = files.Analyze("a.yml").Estimate!;
        // 8-bit AdamW: two 1-byte moments + one fp32 absmax per 2,048 values each.
        var states = 2 * (1 + 4.0 / 2048) * estimate.Parameters.TrainableParameters;
        Assert.InRange(estimate.Memory.Term(MemoryTermNames.OptimizerStates), (paged ? 0 : states) - 2, (paged ? 0 : states) + 2);
        Assert.InRange(estimate.Memory.PagedBytes, (paged ? states : 0) - 2, (paged ? states : 0) + 2);
    }
}

/// <summary>Sizes saturate instead of overflowing.</summary>
public class SaturatedSizeTests
{
    [Fact]
    public void A_micro_batch_of_two_to_the_31_is_out_of_memory_not_an_overflow()
    {
        var plan = TestPlans.Catalog("llama-3.2-1b").WithTraining(int.MaxValue, 256);
        var memory = Estimate.For(plan).Memory;
        Assert.False(memory.Fits);
        Assert.Equal((long)ByteSizes.MaxTermBytes, memory.Term(MemoryTermNames.Activations));
        Assert.True(memory.PeakBytes > 0 && memory.AllocatedBytes <= memory.PeakBytes);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, 1e17)]
    [InlineData(double.NaN, 1e17)]
    [InlineData(-5, 0)]
    [InlineData(1234.4, 1234)]
    public void Bytes_saturate_at_100_PB(double bytes, double expected) => Assert.Equal((long)expected, ByteSizes.ToBytes(bytes));
}
