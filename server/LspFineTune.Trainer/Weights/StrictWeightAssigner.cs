using LspFineTune.Trainer.Models;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Weights;

/// <summary>
/// Copies named tensors into a model's base weights and refuses anything but an exact match: every base weight must
/// be given once with its shape, and no name may be left over. (TorchSharp's load(strict: false) would silently skip a
/// renamed weight and train from random values.) Adapter parameters are not base weights and are not expected here.
/// </summary>
public static class StrictWeightAssigner
{
    public static void Assign(CausalLanguageModel model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var targets = model.BaseParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var missing = targets.Keys.Where(name => !weights.ContainsKey(name)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        // Some names carry nothing (a tied head's copy of the embedding, old causal-mask buffers); the model says which.
        var unexpected = weights.Keys
            .Where(name => !targets.ContainsKey(name) && !model.IsIgnorableWeight(name))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0)
                parts.Add($"missing {missing.Count} weight(s): {Sample(missing)}");
            if (unexpected.Count > 0)
                parts.Add($"unexpected {unexpected.Count} weight(s): {Sample(unexpected)}");
            throw new TrainerException($"{source}: the weights do not match the model of config.json ({string.Join("; ", parts)}). Check that config.json and the safetensors files belong together.");
        }
        using (no_grad())
        {
            foreach (var (name, parameter) in targets)
            {
                var value = weights[name];
                if (!value.shape.SequenceEqual(parameter.shape))
                    throw new TrainerException($"{source}: weight `{name}` has shape [{string.Join(", ", value.shape)}] but config.json implies [{string.Join(", ", parameter.shape)}].");
                parameter.copy_(value.to(parameter.dtype));
            }
        }
    }

    private static string Sample(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(4)) + (names.Count > 4 ? $", ... ({names.Count - 4} more)" : "");
}
