using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

public sealed class ModelFolderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"lft-folder-{Guid.NewGuid():N}");

    public ModelFolderTests() => LibTorchLoader.EnsureLoaded();

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private static IReadOnlyList<long> Golden() => File.ReadAllText(RepositoryPaths.Fixture("stories260K", "greedy-ids-t0-n60.txt"))
        .Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();

    [Fact]
    public void A_llama2c_model_saved_as_a_Hugging_Face_folder_with_half_split_RoPE_still_reproduces_the_golden_ids()
    {
        using (var converted = Llama2cCheckpoint.Load(RepositoryPaths.Fixture("stories260K", "stories260K.bin"), halfSplitRope: true))
            ModelFolder.Save(converted, _folder, ScalarType.Float32);

        using var reloaded = ModelFolder.Load(_folder);

        Assert.Equal(RopeStyle.HalfSplit, Assert.IsType<LlamaConfig>(reloaded.Config).RopeStyle);
        Assert.Equal(Golden(), GreedyDecoder.Generate(reloaded, [1], 60));
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Half_precision_weights_round_trip_through_safetensors_bit_for_bit(ScalarType dtype)
    {
        using var original = randn(3, 5).to(dtype);
        var path = Path.Combine(_folder, "half.safetensors");
        SafeTensorsFile.Write(path, [("w", original)], new Dictionary<string, string> { ["note"] = "x" });

        using var read = SafeTensorsFile.Read(path);

        Assert.Equal(dtype, read.Tensors["w"].dtype);
        Assert.Equal(original.bytes.ToArray(), read.Tensors["w"].bytes.ToArray());
        Assert.Equal("x", read.Metadata["note"]);
    }

    [Fact]
    public void A_renamed_weight_is_reported_as_missing_and_unexpected()
    {
        using (var converted = Llama2cCheckpoint.Load(RepositoryPaths.Fixture("stories260K", "stories260K.bin"), halfSplitRope: true))
        {
            Directory.CreateDirectory(_folder);
            File.WriteAllText(Path.Combine(_folder, ModelFolder.ConfigFile), converted.Config.ToJson());
            var renamed = converted.BaseParameters()
                .Select(p => (p.Name == "model.norm.weight" ? "model.final_norm.weight" : p.Name, (Tensor)p.Parameter)).ToList();
            SafeTensorsFile.Write(Path.Combine(_folder, ModelFolder.WeightsFile), renamed);
        }

        var error = Assert.Throws<TrainerException>(() => ModelFolder.Load(_folder));

        Assert.Contains("missing 1 weight(s): model.norm.weight", error.Message);
        Assert.Contains("unexpected 1 weight(s): model.final_norm.weight", error.Message);
    }

    [Fact]
    public void A_truncated_safetensors_file_is_reported_with_its_path()
    {
        using var tensor = ones(64, 64);
        var path = Path.Combine(_folder, "cut.safetensors");
        SafeTensorsFile.Write(path, [("w", tensor)]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);

        var error = Assert.Throws<TrainerException>(() => SafeTensorsFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }
}
