using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.Axolotl;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.LlamaFactory;
using LspFineTune.Core.Dialects.Native;
using LspFineTune.Core.Dialects.Trl;
using LspFineTune.Core.Dialects.Torchtune;

namespace LspFineTune.Core.Dialects;

/// <summary>How a dialect was chosen, strongest first (yaml-language-server's SchemaPriority, taplo's association
/// priorities): a forced id (<c>--dialect</c>), the modeline, an editor glob, the content, the file name.</summary>
public enum ClaimKind { Forced, Modeline, Settings, Content, FileName }

/// <summary>The dialect chosen for a document and why ("content: has `base_model` and `sequence_len`").</summary>
public sealed record DialectMatch(IConfigDialect Dialect, ClaimKind Kind, string Reason);

/// <summary>A user's association of file names with a dialect (the editor's <c>lft.dialects</c> setting).</summary>
public sealed record DialectAssociation(string Glob, string DialectId);

/// <summary>
/// Picks the dialect of a document with explicit priorities: forced id &gt; modeline &gt; settings glob &gt; content
/// &gt; file name. A document no dialect claims is left alone: no diagnostics at all.
/// </summary>
public sealed class DialectRegistry(IReadOnlyList<IConfigDialect> dialects)
{
    /// <summary>Content claims are tried in this order: the most specific fingerprint first.</summary>
    public static DialectRegistry Default { get; } = new([NativeDialect.Instance, AxolotlDialect.Instance, LlamaFactoryDialect.Instance, LlamaFactoryV1Dialect.Instance, TorchtuneDialect.Instance, AccelerateDialect.Instance, DeepSpeedDialect.Instance, TrlDialect.Instance]);

    public IReadOnlyList<IConfigDialect> Dialects { get; } = dialects;

    public IConfigDialect? Find(string id) =>
        Dialects.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase));

    public string KnownIds => string.Join(", ", Dialects.Select(d => d.Id));

    public DialectMatch? Detect(DocumentContext document, string? forcedId = null, IReadOnlyList<DialectAssociation>? associations = null)
    {
        if (forcedId is not null && Find(forcedId) is { } forced)
            return new DialectMatch(forced, ClaimKind.Forced, $"forced with --dialect {forced.Id}");
        if (document.Modeline.Dialect is { } named && Find(named) is { } byModeline)
            return new DialectMatch(byModeline, ClaimKind.Modeline, $"the modeline says dialect={byModeline.Id}");
        if (document.Modeline.MarksNativeConfig)
            return new DialectMatch(NativeDialect.Instance, ClaimKind.Modeline, "the modeline `# lft: config`");
        if (document.Path is { } path)
        {
            foreach (var association in associations ?? [])
            {
                if (Glob.Matches(association.Glob, path) && Find(association.DialectId) is { } bySettings)
                    return new DialectMatch(bySettings, ClaimKind.Settings, $"the setting lft.dialects maps {association.Glob} to {bySettings.Id}");
            }
        }
        foreach (var dialect in Dialects)
        {
            if (dialect.ClaimByContent(document) is { } reason)
                return new DialectMatch(dialect, ClaimKind.Content, reason);
        }
        if (document.Path is { } named2)
        {
            var fileName = System.IO.Path.GetFileName(named2);
            foreach (var dialect in Dialects)
            {
                if (dialect.ClaimByFileName(fileName) is { } reason)
                    return new DialectMatch(dialect, ClaimKind.FileName, reason);
            }
        }
        return null;
    }
}
