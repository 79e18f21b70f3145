namespace LspFineTune.Core.Catalogs;

/// <summary>A catalog entry found for an id, with what the id says beyond it (stored quantization, stripped parts).</summary>
/// <param name="MatchedName">The spelling that found the entry: the id itself, or the base name left after stripping.</param>
public sealed record CatalogMatch(CatalogModel Model, ModelIdentity Identity, string MatchedName)
{
    /// <summary>Whether the id itself (or its name after the organisation) is one of the entry's names.</summary>
    public bool Exact => string.Equals(MatchedName, Identity.Original, StringComparison.OrdinalIgnoreCase)
        || string.Equals(MatchedName, Identity.Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>"`unsloth/Qwen3-8B-bnb-4bit`: Qwen/Qwen3-8B's architecture, weights stored 4-bit (bitsandbytes nf4); Unsloth's re-upload", or null.</summary>
    public string? Derivation => Identity.Describe(Model.HfId, MatchedName);
}

/// <summary>
/// Finds the catalog entry a hub id names, the way the dialects resolve it: the id as written (any case: the hub
/// resolves repository ids case-insensitively, redirecting to the canonical spelling), then its name without the
/// organisation (a mirror such as <c>NousResearch/Llama-2-7b-hf</c>), then the name after each derivation rule of
/// <see cref="ModelIdRules"/> (<c>unsloth/Qwen3-8B-bnb-4bit</c> → Qwen3-8B). A local folder is not looked up here: its
/// own config.json decides, and folder names are as case-sensitive as the file system.
/// </summary>
public static class ModelLookup
{
    public static CatalogMatch? Resolve(this ModelCatalog catalog, string id)
    {
        if (string.IsNullOrWhiteSpace(id))
            return null;
        var identity = ModelIdentity.Parse(id);
        foreach (var candidate in identity.Candidates)
        {
            if (catalog.Find(candidate) is { } model)
                return new CatalogMatch(model, identity, candidate);
        }
        return null;
    }

    /// <summary>
    /// A path that does not exist (a LLaMA-Factory <c>saves/qwen3-4b/full/sft</c> from an earlier stage, a
    /// <c>models/Llama-2-7b</c> the user has not downloaded here) may still name its model in one of its folders: the
    /// last folder that the catalog knows, by <see cref="Resolve"/>. Callers must say so (an information diagnostic),
    /// since the folder's own config.json could differ.
    /// </summary>
    public static CatalogMatch? ResolveByFolderName(this ModelCatalog catalog, string path)
    {
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            if (segments[i] is "." or ".." or "~")
                continue;
            if (catalog.Resolve(segments[i]) is { } match)
                return match;
        }
        return null;
    }
}
