using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Tests;

/// <summary>Temp folders and configs for training runs on the bundled tiny model and example data.</summary>
internal sealed class TempRun : IDisposable
{
    public TempRun()
    {
        LibTorchLoader.EnsureLoaded();
        Directory = Path.Combine(Path.GetTempPath(), $"lft-train-test-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The shortest real run: LoRA r4 on q_proj, 2 steps of 4 x 32 tokens.</summary>
    public const string TwoStepLora = """
        method:
          type: lora
          lora: { rank: 4, alpha: 8, target_modules: [q_proj] }
        training:
          micro_batch_size: 4
          sequence_length: 32
          max_steps: 2
        """;

    public string Output => Path.Combine(Directory, "run");

    public static string TinyModel => RepositoryPaths.Examples("models", "tiny");

    /// <summary>Writes a config for the tiny model; <paramref name="sections"/> replaces the method/optimizer/training parts.</summary>
    public string WriteConfig(string sections, string? trainPath = null, string? evalPath = null, string dtype = "fp32", string quantization = "none")
    {
        var text = $"""
            model:
              path: {TinyModel}
              dtype: {dtype}
              quantization: {quantization}
            hardware:
              gpu: cpu
            {sections.Trim()}
            data:
              train: {trainPath ?? RepositoryPaths.Examples("data", "tiny-train.jsonl")}
              eval: {evalPath ?? RepositoryPaths.Examples("data", "tiny-eval.jsonl")}
            output:
              dir: {Output}
              save_every_steps: 10
              eval_every_steps: 1000
            """;
        var path = Path.Combine(Directory, "test.lft.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
