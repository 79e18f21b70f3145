using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>A Hugging Face style model folder: config.json plus one or more *.safetensors files (fp32, fp16 or bf16).</summary>
public static class ModelFolder
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    /// <summary>Builds the model (with LoRA adapters when given) and loads every base weight strictly.</summary>
    public static CausalLanguageModel Load(string folder, LoraSpec? lora = null, CancellationToken cancellation = default)
    {
        if (!Directory.Exists(folder))
            throw new TrainerException($"{folder}: the model folder does not exist. Point model.path at a folder with config.json and *.safetensors, or create one with `lft-train init-model {folder}`.");
        var configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath))
            throw new TrainerException($"{folder}: no config.json. A model folder needs config.json and *.safetensors.");
        var config = CausalLmConfig.Read(configPath);
        var files = Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new TrainerException($"{folder}: no *.safetensors weights next to config.json. Run `lft-train init-model {folder}` to create a small pretrained model there, or copy the weights in.");
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var contents = new List<SafeTensorsFile.Contents>();
        try
        {
            foreach (var file in files)
            {
                var read = SafeTensorsFile.Read(file, cancellation);
                contents.Add(read);
                foreach (var (name, tensor) in read.Tensors)
                {
                    if (!weights.TryAdd(name, tensor))
                        throw new TrainerException($"{file}: weight `{name}` is also in another safetensors file of {folder}; each weight must be stored once.");
                }
            }
            var model = CausalLanguageModel.Create(config, lora);
            try
            {
                StrictWeightAssigner.Assign(model, weights, folder);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return model;
        }
        finally
        {
            foreach (var read in contents)
                read.Dispose();
        }
    }

    /// <summary>Writes config.json and model.safetensors (base weights only, in <paramref name="dtype"/>).</summary>
    public static void Save(CausalLanguageModel model, string folder, ScalarType dtype)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ConfigFile), model.Config.ToJson());
        using var scope = NewDisposeScope();
        var tensors = model.BaseParameters().Select(p => (p.Name, p.Parameter.detach().to(dtype))).ToList();
        SafeTensorsFile.Write(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }
}
