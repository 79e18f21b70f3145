using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>What ZeRO-3 and FSDP hold gathered beyond their shards, hand-derived for Llama-3.1-70B (h = 8192, V = 128,256,
/// 80 blocks of 855,654,400 parameters: 4 attention projections 8192 x (8192 + 2 x 1024 + 8192) = 150,994,944, the
/// gated MLP 3 x 8192 x 28,672 = 704,643,072, two norms 16,384).</summary>
public class ShardingBufferTests
{
    private const double Block = 855_654_400;
    private const double Embedding = 128_256.0 * 8192;

    private static TrainingPlan Sharded(DeepSpeedChoice sharding) =>
        TestPlans.Catalog("llama-3.1-70b", gpu: "h100-sxm", gpusPerNode: 8).WithLora(16).WithTraining(1, 2048, checkpointing: true) with { DeepSpeed = sharding };

    [Fact]
    public void FSDP_keeps_the_root_unit_and_two_blocks_gathered()
    {
        var plan = Sharded(new DeepSpeedChoice { Engine = ShardingEngine.Fsdp, ZeroStage = 3 });
        Assert.Equal(Block, new ParameterBudget(plan).Structure.LargestBlockParameters);
        // Root: embeddings + untied head + final norm in bf16; two blocks (current + prefetched); LoRA trains no block weight.
        var expected = 2 * (2 * Embedding + 8192) + 2 * 2 * Block;
        Assert.Equal(expected, Estimate.For(plan).Memory.Term(MemoryTermNames.Zero3GatherBuffers), 0);
    }

    [Fact]
    public void DeepSpeed_gathers_the_largest_layer_and_the_prefetch_bucket_the_config_states()
    {
        // The largest layer is the embedding (1,050.7 M parameters), larger than a block (855.7 M).
        double Gather(DeepSpeedChoice choice) => Estimate.For(Sharded(choice)).Memory.Term(MemoryTermNames.Zero3GatherBuffers);
        var deepSpeed = new DeepSpeedChoice { Engine = ShardingEngine.DeepSpeed, ZeroStage = 3 };
        Assert.Equal(2 * (Embedding + 5e7), Gather(deepSpeed), 0);
        Assert.Equal(2 * (Embedding + 2e8), Gather(deepSpeed with { PrefetchBucketElements = 2e8 }), 0);
        // "auto": the Hugging Face integration's 0.9 h² = 60,397,977.6 elements.
        Assert.Equal(2 * (Embedding + 0.9 * 8192 * 8192), Gather(deepSpeed with { PrefetchBucketAuto = true }), 0);
    }

    [Fact]
    public void Reduce_buckets_follow_reduce_bucket_size_or_its_auto_value()
    {
        var plan = TestPlans.Catalog("llama-3.1-8b", gpusPerNode: 8) with { DeepSpeed = new DeepSpeedChoice { Engine = ShardingEngine.DeepSpeed, ZeroStage = 2 } };
        double Buffers(TrainingPlan p) => Estimate.For(p).Memory.Term(MemoryTermNames.CommunicationBuffers);
        Assert.Equal(2 * 5e8, Buffers(plan), 0);
        Assert.Equal(2 * 4096.0 * 4096, Buffers(plan with { DeepSpeed = plan.DeepSpeed with { ReduceBucketAuto = true } }), 0);
    }
}

/// <summary>The DeepSpeed config's own bucket values reach the plan.</summary>
public class DeepSpeedBucketBindingTests
{
    [Fact]
    public void A_stated_prefetch_bucket_and_an_auto_reduce_bucket_are_read_from_the_json()
    {
        using var files = new Dialects.DialectTestFiles();
        files.Write("ds.json", """{"zero_optimization": {"stage": 3, "stage3_prefetch_bucket_size": 1e8, "reduce_bucket_size": "auto"}, "bf16": {"enabled": "auto"}}""");
        files.Write("sft.yaml", "# lft: gpus_per_node=8\nmodel_name_or_path: meta-llama/Llama-3.1-8B\noutput_dir: out\ndeepspeed: ds.json\n");
        var sharding = files.Analyze("sft.yaml").Plan!.DeepSpeed;
        Assert.Equal((ShardingEngine.DeepSpeed, 3, 1e8, false, true), (sharding.Engine, sharding.ZeroStage, sharding.PrefetchBucketElements, sharding.PrefetchBucketAuto, sharding.ReduceBucketAuto));
    }
}
