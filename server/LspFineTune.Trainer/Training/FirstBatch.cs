using System.Text.Json.Nodes;
using LspFineTune.Trainer.Data;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// The first step's first micro-batch as JSON ({"inputs": [[ids]], "labels": [[ids or -100]],
/// "parameters": the model's parameter names in the order MeZO draws their perturbations): what a reference
/// implementation needs to compute the loss lft-train reports for step 1 (bench/pytorch/first_step_loss.py).
/// </summary>
internal static class FirstBatch
{
    public static void Write(Batcher batches, IEnumerable<string> parameterNames, string path)
    {
        var (inputs, labels, _) = batches.MicroBatch(0);
        using (inputs)
        using (labels)
        {
            var document = new JsonObject { ["inputs"] = Rows(inputs), ["labels"] = Rows(labels), ["parameters"] = new JsonArray(parameterNames.Select(n => (JsonNode)n).ToArray()) };
            try
            {
                File.WriteAllText(path, document.ToJsonString() + "\n");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TrainerException($"--dump-first-batch {path}: {ex.Message}", 2);
            }
        }
    }

    private static JsonArray Rows(TorchSharp.torch.Tensor batch)
    {
        var values = batch.data<long>().ToArray();
        var width = (int)batch.shape[1];
        var rows = new JsonArray();
        for (var start = 0; start < values.Length; start += width)
            rows.Add(new JsonArray(values.Skip(start).Take(width).Select(v => (JsonNode)v).ToArray()));
        return rows;
    }
}
