using System.Text.Json;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>One framework's way of turning a data record into an example (its fields, template and loss mask).</summary>
public interface IRecordFormat
{
    /// <summary>What a usable record holds, for the error when a file has none ("{\"text\": ...}").</summary>
    string Expected { get; }

    /// <summary>The rendered example, or why the record is unusable (a short phrase; the caller adds file and line).</summary>
    string? Render(JsonElement record, out RenderedExample? example);
}
