using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Catalogs;

/// <summary>One part of a derived id that was stripped to find the base model, with what it means.</summary>
public sealed record StrippedPart(string Text, string Meaning, StoredQuantization? Stored = null);

/// <summary>
/// What a hub id (or a path) says about the model behind it, before any lookup: the organisation, the name, the base
/// name left after the derivation rules of <see cref="ModelIdRules"/> (quantization, dtype, post-training variant, date),
/// the quantization its weights are stored in, and whether such a checkpoint can be fine-tuned at all (GGUF cannot).
/// <c>unsloth/Qwen3-8B-bnb-4bit</c>: organisation unsloth (a re-uploader), base name Qwen3-8B, stored 4-bit nf4.
/// </summary>
public sealed record ModelIdentity
{
    /// <summary>The id as written, trimmed.</summary>
    public required string Original { get; init; }

    /// <summary>The part before the slash of an <c>org/name</c> hub id; null for a bare name or a path.</summary>
    public string? Organisation { get; init; }

    /// <summary>The last segment: the repository name, or a path's last folder.</summary>
    public required string Name { get; init; }

    /// <summary>The name with every derivation rule applied (equal to <see cref="Name"/> when none matched).</summary>
    public required string BaseName { get; init; }

    /// <summary>What was stripped, outermost first.</summary>
    public IReadOnlyList<StrippedPart> Stripped { get; init; } = [];

    /// <summary>The stored weight format the name states; null for 16-bit weights (or none stated).</summary>
    public StoredQuantization? Stored { get; init; }

    /// <summary>Why this checkpoint cannot be fine-tuned (GGUF); null when it can.</summary>
    public string? Refusal { get; init; }

    /// <summary>The re-upload organisation, when the id's organisation is a known one.</summary>
    public ReuploadOrganisation? Reupload { get; init; }

    /// <summary>Whether the text reads as a file path rather than a hub id (<c>./x</c>, <c>/x</c>, <c>~/x</c>, <c>a/b/c</c>).</summary>
    public bool IsPath { get; init; }

    /// <summary>The names to look up, most specific first: the id, its name, then the name after each stripped part.</summary>
    public IReadOnlyList<string> Candidates { get; init; } = [];

    /// <summary>For each of <see cref="Candidates"/>, how many of <see cref="Stripped"/> were removed to reach it.</summary>
    public IReadOnlyList<int> CandidateDepths { get; init; } = [];

    public bool IsDerived => Stripped.Count > 0;

    public static ModelIdentity Parse(string id)
    {
        var original = id.Trim();
        var isPath = LooksLikePath(original);
        var normalised = original.Replace('\\', '/').TrimEnd('/');
        var slash = normalised.LastIndexOf('/');
        var name = slash >= 0 ? normalised[(slash + 1)..] : normalised;
        var organisation = !isPath && slash > 0 ? normalised[..slash] : null;

        var candidates = new List<string> { original };
        var depths = new List<int> { 0 };
        if (name != original)
        {
            candidates.Add(name);
            depths.Add(0);
        }
        var stripped = new List<StrippedPart>();
        StoredQuantization? stored = null;
        string? refusal = null;
        var current = name;
        void Strip(string text, IdRule rule, string rest)
        {
            stripped.Add(new StrippedPart(text, rule.Meaning, rule.Stored));
            stored ??= rule.Stored;
            refusal ??= rule.Refusal;
            current = rest;
            if (current.Length > 0 && !candidates.Contains(current, StringComparer.OrdinalIgnoreCase))
            {
                candidates.Add(current);
                depths.Add(stripped.Count);
            }
        }

        // Suffixes from the end, one at a time, until none matches (never the whole name).
        for (var guard = 0; guard < 16; guard++)
        {
            var rule = ModelIdRules.Suffixes.FirstOrDefault(r => r.Pattern.Match(current) is { Success: true, Index: > 0 });
            if (rule is null)
                break;
            var match = rule.Pattern.Match(current);
            Strip(current[(match.Index + 1)..], rule, current[..match.Index]);
        }
        if (ModelIdRules.VariantBeforeVersion.Pattern.Match(current) is { Success: true, Index: > 0 } infix)
            Strip(infix.Value[1..], ModelIdRules.VariantBeforeVersion, current.Remove(infix.Index, infix.Length));
        if (ModelIdRules.SparsePrefix.Pattern.Match(current) is { Success: true } sparse && sparse.Length < current.Length)
            Strip(sparse.Value.TrimEnd('-', '_'), ModelIdRules.SparsePrefix, current[sparse.Length..]);
        if (ModelIdRules.MetaPrefix.Pattern.Match(current) is { Success: true } prefix)
            Strip(prefix.Value.TrimEnd('-', '_'), ModelIdRules.MetaPrefix, current[prefix.Length..]);

        var reupload = ModelIdRules.Organisation(organisation);
        if (reupload is { OnlyWhenQuantized: true } && stored is null)
            reupload = null;
        return new ModelIdentity
        {
            Original = original,
            Organisation = organisation,
            Name = name,
            BaseName = current,
            Stripped = stripped,
            Stored = stored,
            Refusal = refusal,
            Reupload = reupload,
            IsPath = isPath,
            Candidates = candidates,
            CandidateDepths = depths,
        };
    }

    /// <summary>
    /// "`unsloth/Qwen3-8B-bnb-4bit`: Qwen/Qwen3-8B's architecture, weights stored 4-bit (bitsandbytes nf4); Unsloth's
    /// re-upload", for the hover and the provenance: what was stripped to reach <paramref name="matched"/> (one of
    /// <see cref="Candidates"/>), the stored format even when the name itself matched, and the re-uploader. Null when
    /// the id is its base model's own name.
    /// </summary>
    public string? Describe(string baseLabel, string matched)
    {
        var index = Candidates.ToList().FindIndex(c => string.Equals(c, matched, StringComparison.OrdinalIgnoreCase));
        var depth = index >= 0 ? CandidateDepths[index] : Stripped.Count;
        var parts = Stripped.Take(depth).Select(p => p.Meaning).ToList();
        // A quantized id that is itself a catalog name still stores its weights so.
        if (!Stripped.Take(depth).Any(p => p.Stored is not null) && Stripped.FirstOrDefault(p => p.Stored is not null) is { } storedPart)
            parts.Add(storedPart.Meaning);
        if (Reupload is { } org)
            parts.Add(org.Meaning);
        parts = parts.Distinct().ToList();
        return parts.Count == 0 ? null : $"`{Original}`: {baseLabel}'s architecture, {string.Join("; ", parts)}";
    }

    /// <summary>
    /// A filesystem path rather than an <c>org/name</c> id: rooted, relative (<c>./</c>, <c>../</c>), home (<c>~</c>), a
    /// Windows drive or backslash, or more than one slash (a hub id has exactly one).
    /// </summary>
    public static bool LooksLikePath(string id) =>
        id.StartsWith('/') || id.StartsWith('~') || id.StartsWith("./", StringComparison.Ordinal) || id.StartsWith("../", StringComparison.Ordinal)
        || id == "." || id == ".." || id.Contains('\\') || (id.Length >= 2 && id[1] == ':' && char.IsAsciiLetter(id[0]))
        || id.TrimEnd('/').Count(c => c == '/') >= 2;
}
