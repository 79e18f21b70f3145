using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// Finds the model a Hugging Face id or path names, the way <c>from_pretrained</c> does: a local folder first (against
/// the launch directory, then the config's folder), then the catalog, then the Hugging Face cache. Every dialect whose
/// key holds a hub id or a folder (axolotl <c>base_model</c>, LLaMA-Factory <c>model_name_or_path</c>, TRL's, torchtune's
/// <c>checkpointer.checkpoint_dir</c>) resolves through here; an unknown id gets one warning that suggests only a model
/// of the same family.
/// </summary>
public static class ModelResolver
{
    /// <summary>
    /// The model a trainer config's model key (<paramref name="property"/>: axolotl's <c>base_model</c>, LLaMA-Factory's
    /// and TRL's <c>model_name_or_path</c>) names, with that key as its provenance; a key that is missing or empty is the
    /// error <paramref name="missing"/> (on the key, else at the start).
    /// </summary>
    public static ModelChoice? Bind(PropertyNode? property, string missing, DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, params string[] alternatives)
    {
        if (property?.Value is not ScalarNode { IsNull: false, Value.Length: > 0 } scalar)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelSourceCount, missing, property?.Key.Range ?? TextRange.At(0, 0)));
            return null;
        }
        provenance.Set(PlanField.Model, new ValueSource(ValueOrigin.Document) { Property = property });
        return Resolve(scalar, property.Key.Value, document, options, diagnostics, alternatives);
    }

    /// <param name="value">The scalar holding the id or path.</param>
    /// <param name="key">The key as the user writes it (<c>base_model</c>), for messages.</param>
    /// <param name="alternatives">Further ids to try in the catalog and cache (axolotl's <c>base_model_config</c>).</param>
    public static ModelChoice? Resolve(ScalarNode value, string key, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics, params string[] alternatives)
    {
        var id = value.Value.Trim();
        foreach (var folder in LocalCandidates(id, document.Path, options.WorkspaceFolder))
        {
            if (options.Files.Stat(folder).Kind == Files.FileKind.Directory)
            {
                var read = HuggingFaceConfigReader.ReadFolder(folder, options.Files);
                if (read.Success)
                    return new ModelChoice { Id = id, Architecture = read.Architecture! };
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelPathUnreadable,
                    $"Cannot read the model at `{id}` ({folder}): {string.Join("; ", read.Errors)}. Point `{key}` at a folder with a Hugging Face config.json, or at a hub id.", value.Range));
                return null;
            }
        }
        if (FromCatalogOrCache([id, .. alternatives], options) is { } known)
            return known;
        diagnostics.Add(Unknown(id, key, value.Range));
        return null;
    }

    /// <summary>The catalog entry, else the Hugging Face cache snapshot, of the first id either knows.</summary>
    public static ModelChoice? FromCatalogOrCache(IReadOnlyList<string> ids, BindingOptions options)
    {
        foreach (var candidate in ids)
        {
            if (ModelCatalog.Default.Find(candidate) is { } entry)
                return new ModelChoice { Id = entry.Id, Architecture = entry.Architecture, PublishedParameters = entry.PublishedParameters };
        }
        foreach (var candidate in ids)
        {
            if (HuggingFaceCache.FindSnapshot(candidate, options.Files) is { } snapshot && HuggingFaceConfigReader.ReadFolder(snapshot, options.Files) is { Success: true } cached)
                return new ModelChoice { Id = candidate, Architecture = cached.Architecture! };
        }
        return null;
    }

    /// <summary>The warning for a model nobody knows, with a same-family suggestion when there is one.</summary>
    public static Diagnostic Unknown(string id, string key, TextRange range)
    {
        var suggestion = SameFamilySuggestion(id);
        var hint = suggestion is not null ? $" Did you mean `{suggestion}`?" : "";
        return new Diagnostic(DiagnosticCodes.UnknownModel, DiagnosticSeverity.Warning,
            $"LspFineTune does not know the model `{id}` yet, so this config gets no estimate.{hint} Point `{key}` at a local folder with config.json, download the model once (its config.json is then read from the Hugging Face cache), or use a model `lft models` lists.",
            range)
        {
            Data = suggestion is not null ? new Dictionary<string, string> { ["suggestion"] = suggestion } : new Dictionary<string, string>(),
        };
    }

    /// <summary>A suggestion only from the same family (Llama for Llama), so a missing family never points at another.</summary>
    private static string? SameFamilySuggestion(string id)
    {
        static string Family(string name)
        {
            var last = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
            var end = last.IndexOfAny(['-', '_', '.']);
            return end < 0 ? last : last[..end];
        }
        var family = Family(id);
        return ModelCatalog.Default.Suggest(id).FirstOrDefault(s => ModelCatalog.Default.Find(s) is { } entry
            && (Family(entry.HfId) == family || Family(entry.Id) == family));
    }

    /// <summary>Where a relative id could be a folder: the launch directory first (frameworks resolve against the working
    /// directory), then the config's folder; <c>~</c> is the home folder.</summary>
    public static IEnumerable<string> LocalCandidates(string id, string? documentPath, string? workspace)
    {
        if (Path.IsPathRooted(id))
        {
            yield return id;
            yield break;
        }
        if (id.StartsWith('~'))
        {
            yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), id.TrimStart('~', '/'));
            yield break;
        }
        if (workspace is not null)
            yield return Path.GetFullPath(Path.Combine(workspace, id));
        if (documentPath is not null)
            yield return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(documentPath)!, id));
    }
}
