using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Tests;

public sealed class Llama2cGoldenTests
{
    public Llama2cGoldenTests() => LibTorchLoader.EnsureLoaded();

    [Fact]
    public void Greedy_decoding_from_BOS_reproduces_the_reference_implementation()
    {
        var expected = File.ReadAllText(RepositoryPaths.Fixture("stories260K", "greedy-ids-t0-n60.txt"))
            .Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
        using var model = Llama2cCheckpoint.Load(RepositoryPaths.Fixture("stories260K", "stories260K.bin"));

        Assert.Equal(64, model.Config.HiddenSize);
        Assert.Equal(4, Assert.IsType<LlamaConfig>(model.Config).NumKeyValueHeads);
        var generated = GreedyDecoder.Generate(model, [1], expected.Count);

        Assert.Equal(expected, generated);
    }

    [Fact]
    public void Eager_and_sdpa_attention_decode_the_same_tokens()
    {
        using var model = Llama2cCheckpoint.Load(RepositoryPaths.Fixture("stories260K", "stories260K.bin"));
        model.Attention = AttentionImplementation.Eager;
        var eager = GreedyDecoder.Generate(model, [1], 30);
        model.Attention = AttentionImplementation.Sdpa;
        var sdpa = GreedyDecoder.Generate(model, [1], 30);
        Assert.Equal(eager, sdpa);
    }

    [Fact]
    public void A_truncated_checkpoint_is_reported_not_loaded()
    {
        var bytes = File.ReadAllBytes(RepositoryPaths.Fixture("stories260K", "stories260K.bin"));
        var path = Path.Combine(Path.GetTempPath(), $"lft-truncated-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        try
        {
            var error = Assert.Throws<TrainerException>(() => Llama2cCheckpoint.Load(path));
            Assert.Contains("truncated", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
