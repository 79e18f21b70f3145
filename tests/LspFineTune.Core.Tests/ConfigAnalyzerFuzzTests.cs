namespace LspFineTune.Core.Tests;

public class ConfigAnalyzerFuzzTests
{
    private static readonly string[] Fragments =
    [
        "0", "-1", "99999999999999999999", "1e308", ".nan", "true", "null", "~", "[", "]", "{", "}", ":", "- ", "\t", "\n",
        "\"", "'", "#", "&a ", "*a", "<<: *a", "!!str ", "zero_stage: 3", "micro_batch_size: 0", "gpu: t4", "name: gpt2",
        "sequence_length: 10000000", "type: lora", "type: zeroth_order", "quantization: nf4", "rank: 4096", "\u0000", "é", "😀",
    ];

    [Fact]
    public void The_pipeline_never_throws_and_keeps_every_range_inside_the_document_on_mutated_examples()
    {
        var examples = Directory.GetFiles(RepositoryPaths.Examples, "*.lft.*");
        var random = new Random(20261123);
        foreach (var file in examples)
        {
            var original = File.ReadAllText(file);
            for (var i = 0; i < 300; i++)
            {
                var text = Mutate(original, random);
                var analysis = ConfigAnalyzer.AnalyzeFile(file, text);
                var lines = text.Split('\n');
                foreach (var diagnostic in analysis.Diagnostics)
                {
                    Assert.InRange(diagnostic.Range.Start.Line, 0, lines.Length);
                    Assert.True(diagnostic.Range.Start <= diagnostic.Range.End, $"{diagnostic.Code} has an inverted range in mutation {i} of {file}");
                    Assert.False(string.IsNullOrWhiteSpace(diagnostic.Message));
                }
                if (analysis.Estimate is { } estimate)
                    Assert.Equal(estimate.Memory.Terms.Sum(t => t.Bytes), estimate.Memory.PeakBytes);
            }
        }
    }

    private static string Mutate(string text, Random random)
    {
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations && text.Length > 0; m++)
        {
            var at = random.Next(text.Length);
            text = random.Next(4) switch
            {
                0 => text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at)),
                1 => text.Insert(at, Fragments[random.Next(Fragments.Length)]),
                2 => text.Insert(at, text.Substring(random.Next(text.Length / 2), Math.Min(40, text.Length / 2))),
                _ => ReplaceValue(text, at, random),
            };
        }
        return text;
    }

    /// <summary>Replaces the rest of a line after its colon: the type and range errors users actually make.</summary>
    private static string ReplaceValue(string text, int at, Random random)
    {
        var colon = text.IndexOf(':', at);
        if (colon < 0)
            return text;
        var end = text.IndexOf('\n', colon);
        end = end < 0 ? text.Length : end;
        return text[..(colon + 1)] + " " + Fragments[random.Next(Fragments.Length)] + text[end..];
    }
}
