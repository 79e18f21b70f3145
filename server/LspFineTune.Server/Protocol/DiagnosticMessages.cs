using System.Text.Json;

namespace LspFineTune.Server.Protocol;

public sealed record CodeDescription(string Href);

public sealed record DiagnosticRelatedInformation(Location Location, string Message);

public sealed record LspDiagnostic
{
    public required LspRange Range { get; init; }

    /// <summary>1 error, 2 warning, 3 information, 4 hint.</summary>
    public int? Severity { get; init; }

    public string? Code { get; init; }

    public CodeDescription? CodeDescription { get; init; }

    public string? Source { get; init; }

    public required string Message { get; init; }

    public IReadOnlyList<DiagnosticRelatedInformation>? RelatedInformation { get; init; }

    /// <summary>Kept from publishDiagnostics to codeAction so the quick fix knows what the finding was about.</summary>
    public JsonElement? Data { get; init; }
}

public sealed record PublishDiagnosticsParams(string Uri, int? Version, IReadOnlyList<LspDiagnostic> Diagnostics);
