using System.Text.Json;
using System.Text.RegularExpressions;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// The InvalidParams message for params that do not bind to the method's LSP type: which field, and what is wrong
/// with it (missing, null, or of the wrong type), in the client's own terms (<c>params.range.end</c>), never a .NET
/// type name. System.Text.Json reports the path in <see cref="JsonException.Path"/> and names missing fields only in
/// its message, which is read here; anything it words differently still gets the path.
/// </summary>
public static partial class InvalidParamsMessage
{
    private const int MaxPathLength = 200;

    [GeneratedRegex(@"missing required properties including: (?<names>.+?)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"'(?<name>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedName();

    public static string For(string method, JsonException error)
    {
        var where = Where(error.Path);
        if (MissingProperties().Match(error.Message) is { Success: true } missing)
        {
            var fields = QuotedName().Matches(missing.Groups["names"].Value).Select(m => $"{where}.{m.Groups["name"].Value}").ToList();
            if (fields.Count > 0)
                return $"{method}: {string.Join(" and ", fields)} {(fields.Count == 1 ? "is" : "are")} missing; LSP requires {(fields.Count == 1 ? "it" : "them")}.";
        }
        if (error.Message.Contains("doesn't allow null values", StringComparison.Ordinal))
            return $"{method}: {where} is null; LSP requires a value there.";
        if (error.Message.Contains("maximum configured depth", StringComparison.Ordinal))
            return $"{method}: params nest deeper than {LspJson.MaxDepth} levels (at {where}).";
        return $"{method}: {where} has the wrong type or is out of range.";
    }

    /// <summary><c>$.range.start</c> as <c>params.range.start</c>; a very long path (deep nesting) is cut.</summary>
    private static string Where(string? path)
    {
        var where = "params" + (path is { Length: > 0 } ? path.TrimStart('$') : "");
        return where.Length <= MaxPathLength ? where : where[..MaxPathLength] + "…";
    }
}
