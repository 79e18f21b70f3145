namespace LspFineTune.Core.Planning;

/// <summary>What a front end adds to a document when binding it: where it lives and the editor's defaults.</summary>
public sealed record BindingOptions
{
    /// <summary>Absolute path of the config file; relative paths in it (model.path, data.*) resolve against its folder.</summary>
    public string? DocumentPath { get; init; }

    /// <summary>GPU used when the config has no <c>hardware.gpu</c> (the editor's "default GPU" setting).</summary>
    public string DefaultGpu { get; init; } = "a100-80gb";

    /// <summary>GPUs per node used when the config does not say (the editor's "GPU count" setting).</summary>
    public int DefaultGpusPerNode { get; init; } = 1;
}
