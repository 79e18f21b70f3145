using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// The lengths of the datasets a config names, when the catalog knows them (<see cref="KnownDatasets"/>) and no data file
/// gave them: LLaMA-Factory's <c>dataset: identity,alpaca_en_demo</c>, axolotl's <c>datasets[].path</c>, torchtune's
/// <c>dataset._component_</c>, TRL's <c>dataset_name</c>. They decide how far unpacked batches are padded.
/// </summary>
public static class DatasetLengths
{
    public static TrainingPlan WithKnownLengths(TrainingPlan plan, IReadOnlyCollection<string> names) =>
        plan.Data.Lengths is null && names.Count > 0 && KnownDatasets.Default.Lengths(names) is { } lengths
            ? plan with { Data = plan.Data with { Lengths = lengths } }
            : plan;

    /// <summary>A comma-separated list of names (LLaMA-Factory's <c>dataset</c>).</summary>
    public static IReadOnlyList<string> CommaList(string? text) =>
        text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The <paramref name="key"/> of a mapping or of each mapping in a sequence (axolotl's <c>datasets</c>,
    /// torchtune's <c>dataset</c>), each through <paramref name="name"/>; empty when one has none.</summary>
    public static IReadOnlyList<string> Values(SyntaxNode? node, string key, Func<string, string>? name = null)
    {
        var mappings = node switch
        {
            MappingNode mapping => [mapping],
            SequenceNode sequence => sequence.Items.OfType<MappingNode>().ToList(),
            _ => new List<MappingNode>(),
        };
        var names = new List<string>();
        foreach (var mapping in mappings)
        {
            if (SyntaxReader.String(mapping, key) is not { Length: > 0 } value)
                return [];
            names.Add(name is null ? value : name(value));
        }
        return names;
    }

    /// <summary>A torchtune builder's own name: <c>torchtune.datasets.alpaca_cleaned_dataset</c> is alpaca_cleaned_dataset.</summary>
    public static string BuilderName(string component) => component[(component.LastIndexOf('.') + 1)..];
}
