namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>An axolotl binding: the DeepSpeed config the file names, whether it shards with FSDP (<c>fsdp_config</c>/<c>fsdp</c>),
/// and the accelerate config <c>axolotl train</c> launches with.</summary>
public sealed class AxolotlBinding : TrainerBinding
{
}
