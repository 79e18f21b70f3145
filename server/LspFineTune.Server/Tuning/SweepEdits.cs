using System.Globalization;
using LspFineTune.Core;
using LspFineTune.Core.Editing;

namespace LspFineTune.Server.Tuning;

/// <summary>A trial's parameters as minimal edits of the config (comments and layout kept), for `lft sweep` and the
/// editor's "Apply the best".</summary>
public static class SweepEdits
{
    /// <summary>The parameters that differ from the config's own values (<see cref="SweepSpace.Baseline"/>), with what
    /// they bring along (a micro-batch its accumulation); empty when the config already has them.</summary>
    public static IReadOnlyList<ConfigChange> Changes(SweepSpace space, IReadOnlyDictionary<string, string> parameters)
    {
        var differing = parameters.Where(p => !space.Baseline.TryGetValue(p.Key, out var own) || !SameValue(own, p.Value))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return space.Changes(differing);
    }

    /// <summary>The text edits that make the document say <paramref name="changes"/> (values typed for its format).</summary>
    public static IReadOnlyList<TextEdit> Edits(ConfigAnalysis analysis, IReadOnlyList<ConfigChange> changes) =>
        changes.Count == 0 ? [] : ConfigEditor.ToTextEdits(analysis.Tree, ConfigOverrides.ForFormat(changes, analysis.Tree.Format));

    private static bool SameValue(string a, string b) =>
        a == b || (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y) && x == y);
}
