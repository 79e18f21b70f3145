using LspFineTune.Core.Syntax;

namespace LspFineTune.Server.Documents;

/// <summary>Document URIs: file paths for file: URIs, and the config format a name implies.</summary>
public static class DocumentUris
{
    public static string? ToFilePath(string uri)
    {
        if (!System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.IsFile)
            return null;
        try
        {
            return Path.GetFullPath(parsed.LocalPath);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }

    /// <summary>The format a document's name implies; one rule for the CLI, the server and the trainer.</summary>
    public static DocumentFormat? FormatOf(string uri) => Core.ConfigAnalyzer.FormatOf(uri);
}
