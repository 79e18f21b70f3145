using System.Text;
using LspFineTune.Core.Files;

namespace LspFineTune.Server.Documents;

/// <summary>
/// The file access analysis uses in the editor: a file that is open reads as the editor's buffer (so a DeepSpeed JSON
/// edited through a quick fix counts before it is saved); everything else goes to the shared cache on disk.
/// </summary>
public sealed class OpenDocumentFiles(Func<string, DocumentSnapshot?> openByPath) : IAuxiliaryFiles
{
    private readonly IAuxiliaryFiles _disk = AuxiliaryFileCache.Shared;

    public FileStatus Stat(string path) => openByPath(path) is { } open
        ? new FileStatus(FileKind.Regular, Encoding.UTF8.GetByteCount(open.Text), DateTime.MinValue.AddTicks(open.Version))
        : _disk.Stat(path);

    public IReadOnlyList<string> Folders(string path) => _disk.Folders(path);

    public AuxiliaryText ReadText(string path, long maxBytes)
    {
        if (openByPath(path) is not { } open)
            return _disk.ReadText(path, maxBytes);
        var status = Stat(path);
        return status.Length > maxBytes
            ? new AuxiliaryText(path, status, null, AuxiliaryProblems.ForStatus(status, maxBytes))
            : new AuxiliaryText(path, status, open.Text, null);
    }

    public T? Derive<T>(string path, string purpose, Func<Stream, T> derive, out string? problem) where T : class =>
        _disk.Derive(path, purpose, derive, out problem);
}
