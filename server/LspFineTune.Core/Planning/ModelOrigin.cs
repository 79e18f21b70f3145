namespace LspFineTune.Core.Planning;

/// <summary>Where a model's architecture was read from.</summary>
public enum ModelSourceKind
{
    /// <summary>The bundled catalog, by the id or one of its names.</summary>
    Catalog,

    /// <summary>A local folder's config.json.</summary>
    Folder,

    /// <summary>A snapshot in the user's Hugging Face cache.</summary>
    HuggingFaceCache,

    /// <summary>A folder that does not exist here, estimated by the catalog model one of its folder names names.</summary>
    FolderName,

    /// <summary>A torchtune model builder's own architecture.</summary>
    Builder,

    /// <summary>The config's own architecture keys (native <c>model.architecture</c>).</summary>
    Inline,
}

/// <summary>
/// Where the model came from, for the hover and the CLI ("the Hugging Face cache (HF_HOME/hub): …/config.json"), and
/// what a derived id's name says beyond its base model (<see cref="Derivation"/>: "`unsloth/Qwen3-8B-bnb-4bit`:
/// Qwen/Qwen3-8B's architecture, weights stored 4-bit (bitsandbytes nf4); Unsloth's re-upload").
/// </summary>
public sealed record ModelOrigin(ModelSourceKind Kind, string Detail)
{
    public string? Derivation { get; init; }

    public string Describe()
    {
        var where = Kind switch
        {
            ModelSourceKind.Catalog => $"the bundled catalog ({Detail})",
            ModelSourceKind.Folder => $"the folder's config.json ({Detail})",
            ModelSourceKind.HuggingFaceCache => $"the Hugging Face cache: {Detail}",
            ModelSourceKind.FolderName => $"the bundled catalog by a folder's name ({Detail}); the folder is not here",
            ModelSourceKind.Builder => $"the torchtune builder {Detail}",
            _ => "the config's own architecture keys",
        };
        return Derivation is { } derivation ? $"{where}. {derivation}" : where;
    }
}
