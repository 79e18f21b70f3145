using System.Globalization;

namespace LspFineTune.Core.Editing;

/// <summary>One key of a document, by its dotted path in that document, set to one value (<c>deepspeed.zero_stage = 3</c>,
/// axolotl <c>gradient_checkpointing = true</c>): what <see cref="ConfigEditor"/> writes. Values are int, double, bool or string.</summary>
public sealed record ConfigChange(string Path, object Value)
{
    /// <summary>The value as YAML/JSON scalar text (strings are written plain when YAML allows it; JSON quotes them).</summary>
    public string ValueText(bool json) => Value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(Value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => json ? "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : s,
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "",
    };

    public override string ToString() => $"{Path}: {ValueText(json: false)}";
}
