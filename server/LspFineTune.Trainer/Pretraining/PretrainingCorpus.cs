namespace LspFineTune.Trainer.Pretraining;

/// <summary>
/// The bundled pretraining text for <c>lft-train init-model</c>: simple English sentences drawn from a small seeded
/// grammar, so a base model can be made offline and deterministically. It is deliberately a different register from
/// the fine-tuning examples in examples/data (plain statements about places, weather and work, rather than scenes of
/// children and animals), so fine-tuning has something left to learn.
/// </summary>
public static class PretrainingCorpus
{
    private static readonly string[] Subjects =
    [
        "The teacher", "A farmer", "The old man", "My neighbour", "The driver", "A doctor", "The captain", "Our mayor",
        "The student", "A painter", "The workers", "Two friends", "The family", "A traveller", "The shop owner", "The nurse",
    ];

    private static readonly string[] Actions =
    [
        "walks to", "drives to", "looks at", "works in", "cleans", "visits", "leaves", "paints", "opens", "closes",
        "sells fruit in", "waits near", "reads about", "writes a letter from", "builds a fence near", "talks about",
    ];

    private static readonly string[] Places =
    [
        "the market", "the station", "the river", "the old mill", "the school", "the harbour", "the library", "the garden",
        "the bakery", "the hospital", "the city hall", "the bridge", "the road", "the field", "the museum", "the office",
    ];

    private static readonly string[] Times =
    [
        "every day", "on Monday", "before noon", "in the evening", "after work", "in winter", "at seven", "on weekends",
        "once a month", "early", "late at night", "in the spring",
    ];

    private static readonly string[] Weather =
    [
        "It is raining", "The wind is strong", "The sky is grey", "The sun is bright", "Snow covers the town",
        "The air is dry", "Fog hides the hills", "The night is clear",
    ];

    private static readonly string[] Afterthoughts =
    [
        "The streets are busy.", "Nobody is in a hurry.", "The work is hard.", "The town is calm.", "Prices are high.",
        "The day is long.", "Everyone knows the way.", "The bus is late again.",
    ];

    /// <summary><paramref name="count"/> sentences (some two-sentence lines), the same for the same seed.</summary>
    public static IReadOnlyList<string> Sentences(int seed, int count)
    {
        var random = new Random(seed);
        string Pick(string[] words) => words[random.Next(words.Length)];
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var line = random.Next(4) switch
            {
                0 => $"{Pick(Weather)} {Pick(Times)}, so {Lower(Pick(Subjects))} {Pick(Actions)} {Pick(Places)}.",
                1 => $"{Pick(Subjects)} {Pick(Actions)} {Pick(Places)} {Pick(Times)}. {Pick(Afterthoughts)}",
                _ => $"{Pick(Subjects)} {Pick(Actions)} {Pick(Places)} {Pick(Times)}.",
            };
            lines.Add(line);
        }
        return lines;
    }

    private static string Lower(string subject) => char.ToLowerInvariant(subject[0]) + subject[1..];
}
