using LspFineTune.Core.Dialects;
using LspFineTune.Core.Files;

namespace LspFineTune.Core.Planning;

/// <summary>Hardware given on the command line (<c>--gpu</c>, <c>--gpus-per-node</c>, <c>--nodes</c>): the strongest source.</summary>
public sealed record HardwareFlags(string? Gpu = null, int? GpusPerNode = null, int? Nodes = null);

/// <summary>What a front end adds to a document when binding it: where it lives, the hardware it was told, the editor's defaults.</summary>
public sealed record BindingOptions
{
    /// <summary>Absolute path of the config file; relative paths in it (model.path, data.*) resolve against its folder.</summary>
    public string? DocumentPath { get; init; }

    /// <summary>The workspace folder (the launch directory real frameworks resolve relative paths against), when known.</summary>
    public string? WorkspaceFolder { get; init; }

    public HardwareFlags? Flags { get; init; }

    /// <summary>GPU used when nothing else names one (the editor's "default GPU" setting).</summary>
    public string DefaultGpu { get; init; } = "a100-80gb";

    /// <summary>GPUs per node used when the config does not say (the editor's "GPU count" setting).</summary>
    public int DefaultGpusPerNode { get; init; } = 1;

    /// <summary>Nodes used when the config does not say (the editor's "node count" setting).</summary>
    public int DefaultNodes { get; init; } = 1;

    /// <summary>Whether the defaults above are the editor's settings or the tool's own.</summary>
    public ValueOrigin DefaultsOrigin { get; init; } = ValueOrigin.Default;

    /// <summary>The accelerate config the run is launched with (the setting lft.accelerateConfig, the flag
    /// --accelerate-config; relative to the workspace folder); the modeline's <c>accelerate=</c> is stronger.</summary>
    public string? AccelerateConfigPath { get; init; }

    /// <summary>accelerate's own default config, used when nothing names one and it exists (null: never).</summary>
    public string? AccelerateDefaultConfig { get; init; } = Dialects.Accelerate.AccelerateLaunch.DefaultConfigFile();

    /// <summary>Every file besides the document is read through this (cached, bounded, regular files only).</summary>
    public IAuxiliaryFiles Files { get; init; } = AuxiliaryFileCache.Shared;

    /// <summary>Reads an environment variable (the Hugging Face cache's HF_HUB_CACHE, HF_HOME, HOME); injected by tests
    /// so they never set the process's own.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = global::System.Environment.GetEnvironmentVariable;
}
