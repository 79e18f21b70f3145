namespace LspFineTune.Trainer.Files;

/// <summary>
/// What a file is to the trainer (named in every error, so the user knows which setting points at it) and the most
/// it may hold. The caps are far above any real file of that kind and far below what would exhaust memory: a path
/// that points at the wrong thing (a disk image, a log, a device) is refused instead of read.
/// </summary>
public sealed record FileRole(string Name, long MaxBytes)
{
    /// <summary>The config key or option that names the file, when there is one (data.train), for "point X at …".</summary>
    public string? Setting { get; init; }

    /// <summary>"the data file (data.train)" or "the model config.json".</summary>
    public string Described => Setting is null ? $"the {Name}" : $"the {Name} ({Setting})";

    /// <summary>What to point at the right file.</summary>
    public string SettingOrPath => Setting ?? "the path";

    private const long MiB = 1024 * 1024;

    /// <summary>The training config (lft's own documents are capped far lower; this only stops the absurd).</summary>
    public static FileRole Config { get; } = new("config", 64 * MiB);

    /// <summary>A model folder's config.json, an adapter_config.json, a checkpoint's manifest.json.</summary>
    public static FileRole ModelConfig { get; } = new("model config.json", 16 * MiB);
    public static FileRole AdapterConfig { get; } = new("adapter config", 16 * MiB);
    public static FileRole CheckpointManifest { get; } = new("checkpoint manifest", 1 * MiB);

    /// <summary>tokenizer.json, tokenizer.model, vocab.json, merges.txt: the largest real ones are tens of MB.</summary>
    public static FileRole Tokenizer { get; } = new("tokenizer file", 512 * MiB);

    /// <summary>A safetensors file or a llama2.c checkpoint: read whole into one array, so at most an array's length.</summary>
    public static FileRole Weights { get; } = new("weights file", Array.MaxLength);
    public static FileRole CheckpointState { get; } = new("checkpoint state", Array.MaxLength);

    /// <summary>A JSON-lines data file is streamed line by line, so its size is not capped; each line is.</summary>
    public static FileRole DataFile { get; } = new("data file", long.MaxValue);

    /// <summary>A file of the base model folder copied next to a saved model (tokenizer files).</summary>
    public static FileRole CopiedModelFile { get; } = new("model folder file", 512 * MiB);
}
