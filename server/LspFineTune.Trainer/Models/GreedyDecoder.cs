using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>Temperature-0 generation: the argmax next token, appended and fed back (no KV cache; these models are tiny).</summary>
public static class GreedyDecoder
{
    public static IReadOnlyList<long> Generate(CausalLanguageModel model, IReadOnlyList<long> prompt, int newTokens)
    {
        var ids = prompt.ToList();
        model.eval();
        using var noGrad = no_grad();
        for (var i = 0; i < newTokens; i++)
        {
            using var scope = NewDisposeScope();
            var window = ids.Skip(Math.Max(0, ids.Count - model.Config.MaxPositionEmbeddings)).ToArray();
            var logits = model.forward(tensor(window, [1, window.Length]));
            ids.Add(logits[0, -1].argmax().item<long>());
        }
        return ids.Skip(prompt.Count).ToList();
    }
}
