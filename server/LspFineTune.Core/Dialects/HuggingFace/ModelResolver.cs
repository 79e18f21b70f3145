using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// Finds the model a Hugging Face id or path names, the way <c>from_pretrained</c> does: a local folder first (against
/// the launch directory, then the config's folder), then the catalog by the id itself, then the user's Hugging Face
/// cache, then the catalog by the id's base model (a pre-quantized or re-uploaded id: <see cref="ModelIdentity"/>), and
/// last, for a path that is not here, the catalog model one of its folders names (said in an information diagnostic).
/// Every dialect whose key holds a hub id or a folder (axolotl <c>base_model</c>, LLaMA-Factory <c>model_name_or_path</c>,
/// TRL's, torchtune's <c>checkpointer.checkpoint_dir</c>) resolves through here; an unknown id gets one warning that
/// says how to give the architecture, with a did-you-mean of the same family only.
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
    /// <param name="alternatives">Further ids or folders to read the architecture from (axolotl's <c>base_model_config</c>).</param>
    public static ModelChoice? Resolve(ScalarNode value, string key, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics, params string[] alternatives)
    {
        var id = value.Value.Trim();
        foreach (var source in (string[])[id, .. alternatives])
        {
            foreach (var folder in LocalCandidates(source, document.Path, options.WorkspaceFolder))
            {
                if (options.Files.Stat(folder).Kind != Files.FileKind.Directory)
                    continue;
                var read = HuggingFaceConfigReader.ReadFolder(folder, options.Files);
                if (read.Success)
                    return WithStoredNote(FromFolder(id, folder, read.Architecture!, options), value, diagnostics);
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelPathUnreadable,
                    $"Cannot read the model at `{source}` ({folder}): {string.Join("; ", read.Errors)}. Point `{key}` at a folder with a Hugging Face config.json, or at a hub id.", value.Range));
                return null;
            }
        }

        var resolution = ResolveByName(id, alternatives, options);
        switch (resolution.Outcome)
        {
            case NameOutcome.Refused:
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnknownModel,
                    $"`{id}` {resolution.Identity.Refusal}. Name the model it was converted from{(resolution.RefusedBase is { } refusedBase ? $" (`{refusedBase}`)" : "")} in `{key}` instead.", value.Range));
                return null;
            case NameOutcome.Known:
                if (ByNameUnderUnknownOrganisation(resolution.Identity, resolution.Model!) is { } note)
                    diagnostics.Add(new Diagnostic(DiagnosticCodes.ModelResolvedByName, DiagnosticSeverity.Information,
                        $"`{id}` is no folder here and `{resolution.Identity.Organisation}` is not an organisation LspFineTune knows: estimated as {resolution.Model!.Id} ({note}) by its name. If it is a local model, point `{key}` at its folder so its config.json is read.",
                        value.Range));
                return WithStoredNote(resolution.Model!, value, diagnostics);
            case NameOutcome.ByFolderName:
                diagnostics.Add(new Diagnostic(DiagnosticCodes.ModelResolvedByName, DiagnosticSeverity.Information,
                    $"The folder `{id}` is not here; estimated as {resolution.Model!.Id} ({ModelCatalog.Default.Find(resolution.Model.Id)?.HfId}) by its folder name `{resolution.FolderName}`. Point `{key}` at the folder (or run this where it exists) to read its config.json.",
                    value.Range));
                return WithStoredNote(resolution.Model!, value, diagnostics);
            default:
                diagnostics.Add(Unknown(id, key, value.Range, resolution.Identity.IsPath, AlternativeHint(key)));
                return null;
        }
    }

    /// <summary>How a name that is no local folder resolved (<see cref="ResolveByName"/>).</summary>
    public enum NameOutcome { Unknown, Refused, Known, ByFolderName }

    /// <param name="RefusedBase">For a refused id, the hub id of the model it was converted from, when the catalog knows it.</param>
    /// <param name="FolderName">For <see cref="NameOutcome.ByFolderName"/>, the folder that named the model.</param>
    public sealed record NameResolution(NameOutcome Outcome, ModelIdentity Identity, ModelChoice? Model = null, string? RefusedBase = null, string? FolderName = null);

    /// <summary>
    /// Everything after the local folder, without diagnostics (the dialects' path, and the corpus test's): a refused
    /// format (GGUF); the catalog by the id, the Hugging Face cache, the catalog by the id's base model; for a path that
    /// is not here, the catalog model one of its folders names.
    /// </summary>
    public static NameResolution ResolveByName(string id, IReadOnlyList<string> alternatives, BindingOptions options)
    {
        var identity = ModelIdentity.Parse(id);
        if (identity.Refusal is not null)
            return new NameResolution(NameOutcome.Refused, identity, RefusedBase: ModelCatalog.Default.Resolve(identity.BaseName)?.Model.HfId);
        // A path is never a hub id: only its folder names can say what it holds (below, and said so).
        if (Known(identity.IsPath ? alternatives : [id, .. alternatives], options) is { } known)
            return new NameResolution(NameOutcome.Known, identity, known);
        if (identity.IsPath && ModelCatalog.Default.ResolveByFolderName(id) is { } byFolder)
        {
            return new NameResolution(NameOutcome.ByFolderName, identity, FromCatalog(byFolder) with
            {
                Origin = new ModelOrigin(ModelSourceKind.FolderName, $"{byFolder.Model.Id} by `{byFolder.MatchedName}` in `{id}`") { Derivation = byFolder.Derivation },
            }, FolderName: byFolder.MatchedName);
        }
        return new NameResolution(NameOutcome.Unknown, identity);
    }

    /// <summary>
    /// The catalog entry, else the Hugging Face cache snapshot, of the first id either knows: the catalog by each id as
    /// written first, then each id's cached config.json, then the catalog by each id's base model (derived ids).
    /// </summary>
    public static ModelChoice? Known(IReadOnlyList<string> ids, BindingOptions options)
    {
        foreach (var candidate in ids)
        {
            if (ModelCatalog.Default.Find(candidate) is { } entry)
                return FromCatalog(new CatalogMatch(entry, ModelIdentity.Parse(candidate), candidate.Trim()));
        }
        foreach (var candidate in ids)
        {
            if (HuggingFaceCache.Find(candidate.Trim(), options.Files, options.EnvironmentVariable) is { } snapshot
                && HuggingFaceConfigReader.ReadFolder(snapshot.Folder, options.Files) is { Success: true } cached)
            {
                var identity = ModelIdentity.Parse(candidate);
                return new ModelChoice
                {
                    Id = candidate.Trim(),
                    Architecture = cached.Architecture!,
                    Stored = QuantizationConfigReader.ReadFolder(snapshot.Folder, options.Files) ?? identity.Stored,
                    Origin = new ModelOrigin(ModelSourceKind.HuggingFaceCache,
                        $"{Path.Combine(snapshot.Folder, HuggingFaceConfigReader.ConfigFileName)} (found through {snapshot.Origin}{(snapshot.FromRefsMain ? ", the snapshot refs/main names" : ", the newest snapshot")})"),
                };
            }
        }
        foreach (var candidate in ids)
        {
            if (ModelCatalog.Default.Resolve(candidate) is { } match)
                return FromCatalog(match);
        }
        return null;
    }

    /// <summary>A catalog entry as the plan's model, with what the id's name says beyond it.</summary>
    public static ModelChoice FromCatalog(CatalogMatch match) => new()
    {
        Id = match.Model.Id,
        Architecture = match.Model.Architecture,
        PublishedParameters = match.Model.PublishedParameters,
        Stored = match.Identity.Stored,
        Origin = new ModelOrigin(ModelSourceKind.Catalog, $"{match.Model.Id}, the architecture of {match.Model.HfId}") { Derivation = match.Derivation },
    };

    private static ModelChoice FromFolder(string id, string folder, ModelArchitecture architecture, BindingOptions options) => new()
    {
        Id = id,
        Architecture = architecture,
        Stored = QuantizationConfigReader.ReadFolder(folder, options.Files),
        Origin = new ModelOrigin(ModelSourceKind.Folder, Path.Combine(folder, HuggingFaceConfigReader.ConfigFileName)),
    };

    /// <summary>What the estimate assumes of a stored format the id does not spell out (GPTQ's group size, FP8's
    /// trainability, AQLM's codebooks), as LFT0210 on the model key, so it is never silent.</summary>
    private static ModelChoice WithStoredNote(ModelChoice choice, ScalarNode value, List<Diagnostic> diagnostics)
    {
        if (choice.Stored is { Assumption: { } assumption } stored)
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
                $"`{value.Value.Trim()}` stores its weights {stored.Name}: under an adapter its block weights are counted at {stored.BytesPerWeight:0.###} B each. {assumption}.",
                value.Range));
        return choice;
    }

    /// <summary>
    /// For an <c>org/name</c> id found by its name alone whose organisation is neither the catalog model's, nor any
    /// catalog model's, nor a known re-uploader (<c>models/Llama-2-7b</c>: most likely a local folder that is not here):
    /// the entry's hub id, to say so; null when the organisation is known.
    /// </summary>
    private static string? ByNameUnderUnknownOrganisation(ModelIdentity identity, ModelChoice known)
    {
        if (identity.Organisation is not { } organisation || identity.IsPath || known.Origin?.Kind != ModelSourceKind.Catalog
            || identity.Reupload is not null || ModelIdRules.Organisation(organisation) is not null || KnownOrganisations.Value.Contains(organisation))
            return null;
        return ModelCatalog.Default.Find(known.Id)?.HfId;
    }

    private static readonly Lazy<HashSet<string>> KnownOrganisations = new(() => ModelCatalog.Default.All
        .SelectMany(m => m.Aliases.Prepend(m.HfId))
        .Where(name => name.Count(c => c == '/') == 1)
        .Select(name => name[..name.IndexOf('/')])
        .ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>axolotl reads the architecture from <c>base_model_config</c> when it is set: a second way to give it.</summary>
    private static string? AlternativeHint(string key) =>
        key == "base_model" ? "or set `base_model_config` to such a folder" : null;

    /// <summary>
    /// The one warning for a model nobody knows: a did-you-mean of the same family when there is one (a quick fix),
    /// another generation of the line only as a labelled mention, and how to give the architecture.
    /// </summary>
    public static Diagnostic Unknown(string id, string key, TextRange range, bool isPath = false, string? alsoHow = null, bool offerFix = true)
    {
        var suggestions = ModelSuggestions.For(ModelCatalog.Default, id);
        var sameFamily = suggestions.FirstOrDefault(s => s.SameFamily)?.Model;
        // A hub-id key is fixed with a hub id: the catalog id is LspFineTune's name, which the framework would not find.
        var replacement = sameFamily?.HfId;
        var hint = sameFamily is not null
            ? $" Did you mean `{replacement}` ({sameFamily.Id})?"
            : suggestions.Count > 0
                ? $" LspFineTune knows {string.Join(", ", suggestions.Select(s => $"`{s.Model.HfId}`"))} of another generation, which has an architecture of its own."
                : "";
        var how = isPath
            ? $"Point `{key}` at the folder holding its config.json{(alsoHow is null ? "" : ", " + alsoHow)}."
            : $"Point `{key}` at a local folder with its config.json{(alsoHow is null ? "" : ", " + alsoHow)}, or put its config.json in the Hugging Face cache (`hf download {id} config.json`), where it is read from.";
        return new Diagnostic(DiagnosticCodes.UnknownModel, DiagnosticSeverity.Warning,
            $"LspFineTune does not know the model `{id}`, so this config gets no estimate.{hint} {how}",
            range)
        {
            Data = offerFix && replacement is not null ? new Dictionary<string, string> { ["suggestion"] = replacement } : new Dictionary<string, string>(),
        };
    }

    /// <summary>Where a relative id could be a folder: the launch directory first (frameworks resolve against the working
    /// directory), then the config's folder; <c>~</c> is the home folder.</summary>
    public static IEnumerable<string> LocalCandidates(string id, string? documentPath, string? workspace)
    {
        if (id.Length == 0)
            yield break;
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
