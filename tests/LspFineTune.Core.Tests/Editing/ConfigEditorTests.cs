using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Editing;

public class ConfigEditorTests
{
    /// <summary>Applies LSP-style edits (zero-based, end exclusive) from last to first.</summary>
    internal static string Apply(string text, IReadOnlyList<TextEdit> edits)
    {
        var lines = text.Split('\n').ToList();
        int Offset(Text.TextPosition p) => lines.Take(p.Line).Sum(l => l.Length + 1) + p.Character;
        foreach (var edit in edits.OrderByDescending(e => e.Range.Start))
        {
            var start = Offset(edit.Range.Start);
            text = text[..start] + edit.NewText + text[Offset(edit.Range.End)..];
        }
        return text;
    }

    private static string Edit(string text, params ConfigChange[] changes) =>
        Apply(text, ConfigEditor.ToTextEdits(ConfigParser.Parse(text), changes));

    [Fact]
    public void Replaces_an_existing_value_in_place_and_keeps_comments()
    {
        const string text = "# my config\ntraining:\n  micro_batch_size: 8   # tuned by hand\n  gradient_checkpointing: false\n";
        var edited = Edit(text, new ConfigChange("training.gradient_checkpointing", true), new ConfigChange("training.micro_batch_size", 4));
        Assert.Equal("# my config\ntraining:\n  micro_batch_size: 4   # tuned by hand\n  gradient_checkpointing: true\n", edited);
    }

    [Fact]
    public void An_empty_value_is_filled_with_the_space_YAML_needs_after_the_colon()
    {
        const string text = "deepspeed:\nweight_decay: 0.0\n";
        var edited = Edit(text, new ConfigChange("deepspeed", "ds_zero3.json"));
        Assert.Equal("deepspeed: ds_zero3.json\nweight_decay: 0.0\n", edited);
        Assert.Empty(ConfigParser.Parse(edited).Diagnostics);
    }

    [Fact]
    public void Inserts_a_missing_key_at_the_end_of_its_section_with_the_section_indentation()
    {
        const string text = "model:\n    name: llama-2-7b\ntraining:\n    micro_batch_size: 8 # keep\ndata:\n    num_examples: 10\n";
        var edited = Edit(text, new ConfigChange("training.gradient_checkpointing", true));
        Assert.Equal("model:\n    name: llama-2-7b\ntraining:\n    micro_batch_size: 8 # keep\n    gradient_checkpointing: true\ndata:\n    num_examples: 10\n", edited);
    }

    [Fact]
    public void Inserts_missing_sections_once_at_the_end_with_the_documents_indent_step()
    {
        const string text = "model:\n  name: llama-2-70b\n";
        var edited = Edit(text, new ConfigChange("deepspeed.zero_stage", 3), new ConfigChange("deepspeed.offload_optimizer", "cpu"));
        Assert.Equal("model:\n  name: llama-2-70b\ndeepspeed:\n  offload_optimizer: cpu\n  zero_stage: 3\n", edited);
        Assert.Empty(ConfigParser.Parse(edited).Diagnostics);
    }

    [Fact]
    public void Edits_JSON_with_quoted_strings_and_members_before_the_closing_brace()
    {
        const string text = "{\n  \"model\": { \"name\": \"llama-2-7b\" },\n  \"training\": { \"attention\": \"eager\" }\n}\n";
        var edited = Edit(text, new ConfigChange("training.attention", "flash"), new ConfigChange("training.gradient_checkpointing", true), new ConfigChange("deepspeed.zero_stage", 3));
        var tree = ConfigParser.Parse(edited, DocumentFormat.Json);
        Assert.Empty(tree.Diagnostics);
        Assert.Equal("flash", ((ScalarNode)tree.FindProperty("training.attention")!.Value).Value);
        Assert.Equal(ScalarKind.Boolean, ((ScalarNode)tree.FindProperty("training.gradient_checkpointing")!.Value).Kind);
        Assert.Equal("3", ((ScalarNode)tree.FindProperty("deepspeed.zero_stage")!.Value).Value);
    }

    [Fact]
    public void Edits_do_not_overlap_so_an_editor_can_apply_them_together()
    {
        const string text = "training:\n  micro_batch_size: 8\n  gradient_accumulation_steps: 1\n";
        var edits = ConfigEditor.ToTextEdits(ConfigParser.Parse(text),
            [new ConfigChange("training.micro_batch_size", 4), new ConfigChange("training.gradient_accumulation_steps", 2), new ConfigChange("training.attention", "flash")]);
        for (var i = 1; i < edits.Count; i++)
            Assert.True(edits[i - 1].Range.End <= edits[i].Range.Start);
    }
}
