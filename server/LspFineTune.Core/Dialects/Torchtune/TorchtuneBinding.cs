namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>A torchtune binding, with what its writer needs: the model builder, the recipe and whether it shards.</summary>
public sealed class TorchtuneBinding : DialectBinding
{
    /// <summary>The <c>model._component_</c> path as written, when it names a known builder.</summary>
    public string? Builder { get; init; }

    /// <summary>The recipe the config runs with (modeline, <c>tune run</c> comment, registry), when known.</summary>
    public TorchtuneRecipe? Recipe { get; init; }

    /// <summary>A distributed recipe: FSDP2 shards the model, <c>fsdp_cpu_offload</c> applies.</summary>
    public bool Distributed { get; init; }
}
