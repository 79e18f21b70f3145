using LspFineTune.Core.Dialects.DeepSpeed;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>A LLaMA-Factory binding (classic or v1), with what its writer needs: the DeepSpeed config it names and
/// whether it shards with FSDP instead (ZeRO changes cannot be written then).</summary>
public sealed class LlamaFactoryBinding : DialectBinding
{
    public DeepSpeedReference? DeepSpeed { get; init; }

    public bool UsesFsdp { get; init; }

    public string? WorkspaceFolder { get; init; }
}
