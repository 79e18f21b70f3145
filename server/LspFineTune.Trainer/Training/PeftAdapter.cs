using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// A LoRA adapter in Hugging Face PEFT's layout: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> with
/// tensor names <c>base_model.model.&lt;module path&gt;.lora_A.weight</c>, so PeftModel.from_pretrained loads it.
/// </summary>
public static class PeftAdapter
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    public const string NamePrefix = "base_model.model.";

    /// <param name="baseModelName">
    /// The base model as the config names it (a hub id, or the folder as written), never this machine's absolute path:
    /// PEFT's AutoPeftModelForCausalLM.from_pretrained(adapter) loads <c>base_model_name_or_path</c> with from_pretrained,
    /// which reads a relative folder against the working directory, so run it from the config's folder (where the trainer
    /// resolved it), or pass the base model yourself elsewhere.
    /// </param>
    public static void Save(CausalLanguageModel model, string directory, string baseModelName)
    {
        var lora = model.Lora ?? throw new InvalidOperationException("the model has no LoRA adapters");
        Directory.CreateDirectory(directory);
        var targets = model.AdaptedLinears().Select(l => l.Path.Split('.')[^1]).Distinct().Order(StringComparer.Ordinal).ToList();
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModelName,
            ["r"] = lora.Rank,
            ["lora_alpha"] = lora.Alpha,
            ["lora_dropout"] = lora.Dropout,
            ["target_modules"] = new JsonArray(targets.Select(t => (JsonNode)t).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = model.LoraFanInFanOut,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = null,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["revision"] = null,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafeTensorsFile.Write(
            Path.Combine(directory, WeightsFile),
            model.AdapterParameters().Select(p => (NamePrefix + p.Name, (Tensor)p.Parameter)),
            new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Reads an adapter's LoRA settings (to build a model that can take it).</summary>
    public static LoraSpec ReadSpec(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        try
        {
            var json = JsonNode.Parse(Files.TrainerFiles.ReadAllText(path, Files.FileRole.AdapterConfig)) as JsonObject ?? throw new JsonException("not an object");
            if (json["peft_type"]?.GetValue<string>() != "LORA")
                throw new TrainerException($"{path}: peft_type is not LORA; lft-train reads LoRA adapters only.");
            var targets = json["target_modules"] switch
            {
                JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
                JsonValue value when value.GetValue<string>() == "all-linear" => null,
                _ => throw new TrainerException($"{path}: target_modules must be a list of module names or \"all-linear\"."),
            };
            return new LoraSpec(json["r"]!.GetValue<int>(), json["lora_alpha"]!.GetValue<double>(), json["lora_dropout"]?.GetValue<double>() ?? 0,
                targets ?? [], targets is null);
        }
        catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or NullReferenceException)
        {
            throw new TrainerException($"{path}: not a readable PEFT adapter config ({ex.Message}).");
        }
    }

    /// <summary>Loads the adapter weights into a model built with the adapter's spec; every name must match.</summary>
    public static void Load(CausalLanguageModel model, string directory)
    {
        var path = Path.Combine(directory, WeightsFile);
        using var contents = SafeTensorsFile.Read(path);
        var expected = model.AdapterParameters().ToDictionary(p => NamePrefix + p.Name, p => p.Parameter);
        var missing = expected.Keys.Where(k => !contents.Tensors.ContainsKey(k)).ToList();
        var unexpected = contents.Tensors.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new TrainerException($"{path}: the adapter does not fit the model (missing: {string.Join(", ", missing.Take(3))}; unexpected: {string.Join(", ", unexpected.Take(3))}).");
        using var noGrad = no_grad();
        foreach (var (name, parameter) in expected)
        {
            var value = contents.Tensors[name];
            if (!value.shape.SequenceEqual(parameter.shape))
                throw new TrainerException($"{path}: `{name}` has shape [{string.Join(", ", value.shape)}], the model needs [{string.Join(", ", parameter.shape)}].");
            parameter.copy_(value.to(parameter.dtype));
        }
    }
}
