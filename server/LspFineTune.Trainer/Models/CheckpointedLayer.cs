using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// Gradient checkpointing (TorchSharp has no torch.utils.checkpoint): the forward runs a block without recording a
/// graph and keeps only its input; the backward re-runs the block with autograd on and differentiates it against the
/// incoming gradient. Activations inside the block are therefore alive for one block at a time, at the price of a
/// second forward. The CPU RNG state is saved and restored so dropout draws the same masks in the re-run.
/// Arguments to <c>apply</c>: the block, its input, then every parameter of the block (so autograd routes their gradients here).
/// </summary>
internal sealed class CheckpointedLayer : SingleTensorFunction<CheckpointedLayer>
{
    private const string BlockKey = "block";
    private const string RngKey = "rng";

    public override string Name => "LftCheckpointedLayer";

    public static Tensor Run(nn.Module<Tensor, Tensor> block, Tensor input)
    {
        object[] arguments = [block, input, .. block.parameters()];
        return apply(arguments);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var block = (nn.Module<Tensor, Tensor>)vars[0];
        var input = (Tensor)vars[1];
        ctx.save_for_backward([input]);
        ctx.save_data(BlockKey, block);
        using (var state = torch.random.get_rng_state())
            ctx.save_data(RngKey, state.bytes.ToArray());
        return block.forward(input);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var block = (nn.Module<Tensor, Tensor>)ctx.get_data(BlockKey);
        var input = ctx.get_saved_variables()[0];
        var parameters = block.parameters().ToList();
        var rngAfterForward = torch.random.get_rng_state();
        using (var saved = torch.random.get_rng_state())
        {
            saved.bytes = (byte[])ctx.get_data(RngKey);
            torch.random.set_rng_state(saved);
        }

        var gradients = new List<Tensor>();
        using (var scope = NewDisposeScope())
        using (enable_grad())
        {
            var replayInput = input.detach().requires_grad_(true);
            var output = block.forward(replayInput);
            var trainable = parameters.Where(p => p.requires_grad).ToList();
            var computed = grad([output], [replayInput, .. trainable], [gradOutput]);
            gradients.Add(null!); // the block object is not a tensor
            gradients.Add(computed[0].MoveToOuterDisposeScope());
            var next = 1;
            foreach (var parameter in parameters)
                gradients.Add(parameter.requires_grad ? computed[next++].MoveToOuterDisposeScope() : null!);
        }
        torch.random.set_rng_state(rngAfterForward);
        rngAfterForward.Dispose();
        return gradients;
    }
}
