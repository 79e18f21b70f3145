using System.Text.RegularExpressions;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// PEFT's <c>target_modules</c> rules, shared by every dialect that hands its targets to PEFT: a list names module
/// suffixes; a single string is a regular expression matched against each module's full name
/// (peft <c>check_target_module_exists</c>); <c>all-linear</c> is every linear layer but the output head.
/// </summary>
public static class PeftTargets
{
    /// <summary>PEFT's special value for every linear layer (LLaMA-Factory spells it <c>all</c>).</summary>
    public const string AllLinear = "all-linear";

    /// <summary>The layer linears of a model whose full name (<c>model.layers.0.self_attn.q_proj</c>, under any of the
    /// family's block prefixes) a PEFT pattern matches.</summary>
    public static IReadOnlyList<string> MatchPattern(ModelStructure structure, string pattern)
    {
        try
        {
            var regex = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            return structure.LayerLinears
                .Where(l => !l.IsParameter)
                .Where(l => regex.IsMatch(l.Name) || structure.Architecture.Decoder.BlockPrefixes.Any(prefix => regex.IsMatch($"{prefix}.0.{l.ModulePath.Replace("{e}", "0")}")))
                .Select(l => l.Name)
                .Distinct()
                .ToList();
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return [];
        }
    }

    /// <summary>
    /// The modules a <c>target_modules</c> value names: a list's names, or the layers a string matches as a pattern
    /// (<see cref="MatchPattern"/>; when it matches none, <paramref name="matchesNothing"/> is told, to warn on it);
    /// anything else names none.
    /// </summary>
    public static IReadOnlyList<string> Named(SyntaxNode? value, ModelStructure structure, Action<ScalarNode> matchesNothing)
    {
        switch (value)
        {
            case SequenceNode sequence:
                return sequence.Items.OfType<ScalarNode>().Where(s => s.Value.Length > 0).Select(s => s.Value).ToList();
            case ScalarNode { IsNull: false, Value.Length: > 0 } pattern:
                var modules = MatchPattern(structure, pattern.Value);
                if (modules.Count == 0)
                    matchesNothing(pattern);
                return modules;
            default:
                return [];
        }
    }

    /// <summary>Where to report each of <paramref name="targets"/> that matches no layer: its first item in the list
    /// <paramref name="value"/> is, else the value itself, else <paramref name="fallback"/> (where no targets are written).
    /// One pass over the list, so thousands of names cost linear time.</summary>
    public static IEnumerable<(string Target, TextRange Range)> Locate(IReadOnlyList<string> targets, SyntaxNode? value, TextRange fallback)
    {
        var items = new Dictionary<string, TextRange>(StringComparer.Ordinal);
        if (value is SequenceNode sequence)
        {
            foreach (var item in sequence.Items.OfType<ScalarNode>())
                items.TryAdd(item.Value, item.Range);
        }
        return targets.Select(t => (t, items.TryGetValue(t, out var range) ? range : value?.Range ?? fallback));
    }

    /// <summary>" Did you mean `all-linear`?" for the near misses users write (<c>all_linear</c>, <c>all</c>, LLaMA-Factory's
    /// spelling), which PEFT would read as a pattern that matches nothing; else empty.</summary>
    public static string AllLinearHint(string pattern) =>
        pattern.ToLowerInvariant().Replace("_", "").Replace("-", "").Replace(" ", "") is "alllinear" or "all" or "linear" && pattern != AllLinear
            ? $" Did you mean `{AllLinear}`?"
            : "";

    /// <summary>
    /// For a vision-language model, that the names checked are its language model's: PEFT also walks the vision tower,
    /// whose modules may carry the name (GLM-4.6V's gate_proj), and the estimate does not count adapters there.
    /// </summary>
    public static string VisionTowerCaveat(ModelStructure structure) =>
        structure.VisionParameters > 0 ? "'s language model (PEFT may still find a vision-tower module of that name, which the estimate does not count)" : "";

    /// <summary>The names of a model's layer linears, for "its layers are: ..." in messages.</summary>
    public static string LayerNames(ModelStructure structure) => string.Join(", ", structure.LayerLinears.Where(l => !l.IsParameter).Select(l => l.Name).Distinct());

    /// <summary>
    /// The module names of <c>modules_to_save</c>-style keys: a YAML list, or one string with names separated by commas
    /// (LLaMA-Factory's <c>additional_target</c> goes through split_arg; PEFT takes a single name as a one-item list).
    /// </summary>
    public static IReadOnlyList<string> ModuleNames(SyntaxNode? value) => value switch
    {
        SequenceNode sequence => sequence.Items.OfType<ScalarNode>().Where(s => !s.IsNull && s.Value.Length > 0).Select(s => s.Value.Trim()).ToList(),
        ScalarNode { IsNull: false, Value.Length: > 0 } scalar => scalar.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => [],
    };
}
