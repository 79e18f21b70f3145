using System.Text;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Syntax;

/// <summary>Whatever is typed or opened, parsing returns (never throws, never overflows the stack) with few, placed diagnostics.</summary>
public class ConfigParserRobustnessTests
{
    private const string ValidConfig = """
        # lft: config
        model:
          name: meta-llama/Llama-2-7b-hf
          dtype: bf16
        hardware: { gpu: a100-80gb, gpus_per_node: 1 }
        method:
          type: lora
          lora: { rank: 16, alpha: 32, target_modules: [q_proj, v_proj] }
        training:
          micro_batch_size: 4
          learning_rate: 2.0e-4
          max_steps: null
          attention: "sdpa"
        data:
          train: ./data/train.jsonl
          prompt: |
            Answer briefly.
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_bytes_give_few_diagnostics_and_no_exception(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);

        foreach (var text in new[] { Encoding.UTF8.GetString(bytes), Encoding.Latin1.GetString(bytes) })
        {
            var tree = ConfigParser.Parse(text);
            Assert.InRange(tree.Diagnostics.Count, 1, 3);
        }
    }

    [Fact]
    public void Binary_content_is_reported_once()
    {
        var text = "model:\n  name: x\n" + new string('\0', 5000) + "\u0001\u0002";

        var tree = ConfigParser.Parse(text);

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.BinaryContent, diagnostic.Code);
        Assert.Null(tree.Root);
    }

    [Fact]
    public void A_stray_replacement_character_is_not_binary()
    {
        var tree = ConfigParser.Parse("model:\n  name: caf\uFFFD\n");

        Assert.Empty(tree.Diagnostics);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("{\"a\":")]
    [InlineData("- ")]
    [InlineData("{a: ")]
    public void Hundred_thousand_levels_of_nesting_are_too_deep_and_do_not_crash(string level)
    {
        var text = string.Concat(Enumerable.Repeat(level, 100_000));

        var tree = ConfigParser.Parse(text);

        Assert.Contains(tree.Diagnostics, d => d.Code == DiagnosticCodes.DocumentTooComplex);
        Assert.Single(tree.Diagnostics, d => d.Code == DiagnosticCodes.DocumentTooComplex);
    }

    [Fact]
    public void Deep_but_balanced_json_reports_only_the_depth()
    {
        var text = "{\"a\": " + new string('[', 100_000) + new string(']', 100_000) + ", \"b\": 1}";

        var tree = ConfigParser.Parse(text);

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.DocumentTooComplex, diagnostic.Code);
        Assert.Equal(0, diagnostic.Range.Start.Line);
        Assert.Equal(6 + 63, diagnostic.Range.Start.Character); // the 64th bracket opens level 65: the root mapping is level 1
        Assert.Equal("The document is nested deeper than 64 levels; configs are at most a few levels deep. What is nested deeper is ignored.", diagnostic.Message);
    }

    [Fact]
    public void Sixty_four_levels_are_fine()
    {
        var text = "a: " + new string('[', 63) + new string(']', 63);

        Assert.Empty(ConfigParser.Parse(text).Diagnostics);
    }

    [Fact]
    public void Aliases_cannot_stack_nesting_beyond_the_limit()
    {
        var lines = new List<string> { "a0: &a0 " + new string('[', 40) + new string(']', 40) };
        for (var i = 1; i < 2000; i++)
            lines.Add($"a{i}: &a{i} " + new string('[', 40) + $"*a{i - 1}" + new string(']', 40));

        var tree = ConfigParser.Parse(string.Join('\n', lines));

        Assert.Contains(tree.Diagnostics, d => d.Code == DiagnosticCodes.DocumentTooComplex);
    }

    [Fact]
    public void Fifty_thousand_lines_parse()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 50_000; i++)
            builder.Append("key_").Append(i).Append(": ").Append(i).Append('\n');

        var tree = ConfigParser.Parse(builder.ToString());

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(50_000, tree.RootMapping!.Properties.Count);
        Assert.Equal(49_999, tree.RootMapping.Properties[^1].Key.Range.Start.Line);
    }

    [Fact]
    public void Two_thousand_random_edits_never_throw_and_keep_ranges_inside_the_document()
    {
        var random = new Random(20240611);
        const string alphabet = ":-[]{},\"'#&*!|>? \t\n\r\\%@`ab01.😀";
        for (var round = 0; round < 2000; round++)
        {
            var text = new StringBuilder(ValidConfig);
            for (var edit = random.Next(1, 4); edit > 0; edit--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0:
                        text.Remove(at, Math.Min(random.Next(1, 4), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        text.Insert(at, text.ToString(at, Math.Min(random.Next(1, 20), text.Length - at)));
                        break;
                }
            }
            var source = text.ToString();

            var tree = ConfigParser.Parse(source);

            var lines = source.ReplaceLineEndings("\n").Split('\n');
            foreach (var diagnostic in tree.Diagnostics)
            {
                foreach (var position in new[] { diagnostic.Range.Start, diagnostic.Range.End })
                {
                    Assert.InRange(position.Line, 0, lines.Length - 1);
                    Assert.InRange(position.Character, 0, lines[position.Line].Length);
                }
                Assert.True(diagnostic.Range.Start <= diagnostic.Range.End, $"{diagnostic.Range} in round {round}");
            }
        }
    }
}
