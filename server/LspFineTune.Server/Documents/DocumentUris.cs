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

    public static DocumentFormat? FormatOf(string uri)
    {
        var name = uri.Split('?', '#')[0];
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".jsonc", StringComparison.OrdinalIgnoreCase))
            return DocumentFormat.Json;
        if (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return DocumentFormat.Yaml;
        return null;
    }
}
