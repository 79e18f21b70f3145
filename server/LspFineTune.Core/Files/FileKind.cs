namespace LspFineTune.Core.Files;

/// <summary>What a path names. Only <see cref="Regular"/> files are ever opened: a FIFO blocks its reader until a
/// writer comes, and a device such as <c>/dev/zero</c> never ends.</summary>
public enum FileKind { Missing, Regular, Directory, Special }
