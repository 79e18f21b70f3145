using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// A file another config names (a DeepSpeed JSON named by <c>deepspeed:</c>), read and validated with its own
/// dialect. <see cref="Path"/> is absolute, or the preset's name when <see cref="IsPreset"/> (the file was not at hand
/// and its known contents were used). Its diagnostics are among the binding's, with their FilePath set to it.
/// </summary>
public sealed record CompanionFile(string Path, string DialectId, PropertyNode ReferredBy)
{
    public ConfigSyntaxTree? Tree { get; init; }

    public bool IsPreset { get; init; }
}
