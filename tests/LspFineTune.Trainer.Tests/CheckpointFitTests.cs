using LspFineTune.Trainer.Training;
using LspFineTune.Trainer.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

/// <summary>What differs between a checkpoint and the config, read from the tensors (also of checkpoints without metadata).</summary>
public sealed class CheckpointFitTests
{
    private const string QueryA = "model.layers.0.self_attn.q_proj.lora_A.weight";
    private const string QueryB = "model.layers.0.self_attn.q_proj.lora_B.weight";

    public CheckpointFitTests() => LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();

    private static CheckpointStore.Loaded Checkpoint(Dictionary<string, string> metadata, params (string Name, long[] Shape)[] tensors) =>
        new(10, "/runs/x/checkpoints/step-00000010", new SafeTensorsFile.Contents(tensors.ToDictionary(t => t.Name, t => zeros(t.Shape)), metadata));

    private static TrainedLayout Layout(string method, string optimizer, bool optimizerHasState, bool masks, params (string Name, long[] Shape)[] trainable) =>
        new(method, optimizer, optimizerHasState, masks, trainable.Select(t => (t.Name, (Tensor)new Parameter(zeros(t.Shape)))).ToList());

    private static string Refusal(CheckpointStore.Loaded checkpoint, TrainedLayout layout)
    {
        var tensors = checkpoint.Contents.Tensors;
        Dictionary<string, Tensor> Prefixed(string prefix) => tensors.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[prefix.Length..], t => t.Value);
        return Assert.Throws<TrainerException>(() => CheckpointFit.Check(checkpoint, layout, Prefixed("param."), Prefixed("optim."), Prefixed("mezo_index.").Count > 0)).Message;
    }

    [Fact]
    public void A_checkpoint_without_recorded_method_still_names_the_rank_and_the_optimizer_from_its_tensors()
    {
        using var checkpoint = Checkpoint([], ("param." + QueryA, [8, 64]), ("param." + QueryB, [64, 8]), ("optim.adamw.steps", [1]));

        var rank = Refusal(checkpoint, Layout("lora", "adamw", true, false, (QueryA, [16, 64]), (QueryB, [64, 16])));
        var optimizer = Refusal(checkpoint, Layout("lora", "sgd", false, false, (QueryA, [8, 64]), (QueryB, [64, 8])));

        Assert.Contains("method.lora.rank: 8 in the checkpoint, 16 in the config", rank);
        Assert.Contains("optimizer.type: adamw in the checkpoint, sgd in the config", optimizer);
    }

    [Fact]
    public void Another_model_is_named_by_the_first_weight_whose_shape_differs()
    {
        using var checkpoint = Checkpoint(new() { ["method"] = "full", ["optimizer"] = "sgd" }, ("param.model.embed_tokens.weight", [512, 128]));

        var message = Refusal(checkpoint, Layout("full", "sgd", false, false, ("model.embed_tokens.weight", [1000, 128])));

        Assert.Contains("model.path: `model.embed_tokens.weight` is [512, 128] in the checkpoint, [1000, 128] in the config", message);
        Assert.Contains("to resume, train on the model the checkpoint was made with", message);
    }

    [Fact]
    public void Zeroth_order_masks_in_the_checkpoint_but_not_in_the_config_are_named()
    {
        using var checkpoint = Checkpoint(new() { ["method"] = "zeroth_order", ["optimizer"] = "zo_sgd" }, ("param.w", [4]), ("mezo_index.w", [4]));

        var message = Refusal(checkpoint, Layout("zeroth_order", "zo_sgd", false, false, ("w", [4])));

        Assert.Contains("method.zeroth_order.trainable_fraction: below 1 (a sensitive subset) in the checkpoint, 1 in the config", message);
    }

    [Fact]
    public void A_checkpoint_of_the_same_layout_fits()
    {
        using var checkpoint = Checkpoint(new() { ["method"] = "lora", ["optimizer"] = "adamw" }, ("param." + QueryA, [8, 64]), ("optim.adamw.steps", [1]));
        var tensors = checkpoint.Contents.Tensors;

        CheckpointFit.Check(checkpoint, Layout("lora", "adamw", true, false, (QueryA, [8, 64])),
            new Dictionary<string, Tensor> { [QueryA] = tensors["param." + QueryA] }, new Dictionary<string, Tensor> { ["adamw.steps"] = tensors["optim.adamw.steps"] }, savedMasks: false);
    }
}
