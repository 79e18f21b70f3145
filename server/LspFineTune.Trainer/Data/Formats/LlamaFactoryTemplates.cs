namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// LLaMA-Factory's prompt templates that lft-train renders, as hiyouga/LLaMA-Factory@ff6d4d1
/// <c>src/llamafactory/data/template.py</c> registers them: each formatter is a list of slots (text with
/// <c>{{content}}</c>, or the tokenizer's BOS/EOS), encoded slot by slot. Unset formatters take register_template's
/// defaults (user and system "{{content}}", assistant "{{content}}" + EOS).
/// </summary>
public sealed record LlamaFactoryTemplate(
    IReadOnlyList<ExamplePiece> User,
    IReadOnlyList<ExamplePiece> Assistant,
    IReadOnlyList<ExamplePiece> System,
    IReadOnlyList<ExamplePiece> Prefix,
    string DefaultSystem = "")
{
    private const string Content = "{{content}}";

    public static IReadOnlyList<string> Names { get; } = ["empty", "default", "alpaca", "chatml", "qwen", "llama3"];

    /// <summary>The template registered under <paramref name="name"/>; null when lft-train does not render it.</summary>
    public static LlamaFactoryTemplate? Find(string name) => name switch
    {
        // template.py 935-938
        "empty" => new([T(Content)], [T(Content)], [T(Content)], []),
        // template.py 909-915
        "default" => new([T("Human: {{content}}"), Eos, T("\nAssistant:")], [T(Content), Eos, T("\n")], [T("System: {{content}}"), Eos, T("\n")], []),
        // template.py 716-724
        "alpaca" => new([T("### Instruction:\n{{content}}\n\n### Response:\n")], [T(Content), Eos, T("\n\n")], [T(Content)], [],
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"),
        // template.py 778-787
        "chatml" => new([T("<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n")], [T("{{content}}<|im_end|>\n")], [T("<|im_start|>system\n{{content}}<|im_end|>\n")], []),
        // template.py 2041-2054
        "qwen" => new([T("<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n")], [T("{{content}}<|im_end|>\n")], [T("<|im_start|>system\n{{content}}<|im_end|>\n")], [],
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
        // template.py 1481-1506
        "llama3" => new([T("<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")], [T("{{content}}<|eot_id|>")],
            [T("<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>")], [ExamplePiece.Bos()]),
        _ => null,
    };

    /// <summary>
    /// Template._encode and encode_multiturn: turn 0 is prefix + system (when there is one) + the user message; each
    /// (user, assistant) pair is a source, masked unless train_on_prompt, and a target, trained.
    /// </summary>
    public IReadOnlyList<ExamplePiece> Render(string system, IReadOnlyList<ChatMessage> messages, bool trainOnPrompt)
    {
        system = system.Length > 0 ? system : DefaultSystem;
        var pieces = new List<ExamplePiece>();
        for (var i = 0; i < messages.Count; i++)
        {
            var isUser = i % 2 == 0;
            var trained = !isUser || trainOnPrompt;
            var slots = new List<ExamplePiece>();
            if (i == 0)
            {
                slots.AddRange(Prefix);
                if (system.Length > 0)
                    slots.AddRange(Apply(System, system));
            }
            slots.AddRange(Apply(isUser ? User : Assistant, messages[i].Content));
            pieces.AddRange(slots.Where(s => s.Kind != PieceKind.Text || s.Text.Length > 0).Select(s => s with { Trained = trained }));
        }
        return pieces;
    }

    /// <summary>StringFormatter.apply: the first {{content}} of each text slot is the content.</summary>
    private static IEnumerable<ExamplePiece> Apply(IReadOnlyList<ExamplePiece> slots, string content) =>
        slots.Select(s => s.Kind == PieceKind.Text ? s with { Text = ReplaceFirst(s.Text, content) } : s);

    private static string ReplaceFirst(string slot, string content)
    {
        var at = slot.IndexOf(Content, StringComparison.Ordinal);
        return at < 0 ? slot : string.Concat(slot.AsSpan(0, at), content, slot.AsSpan(at + Content.Length));
    }

    private static ExamplePiece T(string text) => ExamplePiece.Context(text);

    private static ExamplePiece Eos => ExamplePiece.Eos(trained: false);
}
