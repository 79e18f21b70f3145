namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// How one turn of a named chat template renders: the text before the content, the content (trimmed where the template
/// trims it), the turn's end marker (the template's end-of-turn token, which axolotl trains by <c>train_on_eos</c>) and
/// what follows it. BOS/EOS pieces stand where the template writes <c>bos_token</c>/<c>eos_token</c>.
/// </summary>
public sealed record ChatTurn(IReadOnlyList<ExamplePiece> Before, string Content, ExamplePiece? End, string After);

/// <summary>
/// The chat templates of axolotl@067b021 <c>src/axolotl/utils/chat_templates/templates/*.jinja</c> that lft-train renders,
/// for messages with string content and no tools (the Jinja itself is not run: lft-train has no Jinja engine, so each
/// is its rendering for such messages). Names are axolotl's <c>chat_template</c> choices.
/// </summary>
public static class AxolotlChatTemplates
{
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama3", "alpaca", "phi_3"];

    /// <summary>The turns of a conversation; null when the template is not one of <see cref="Names"/>.</summary>
    public static IReadOnlyList<ChatTurn>? Render(string name, IReadOnlyList<ChatMessage> messages) => name switch
    {
        // chatml.jinja: '<|im_start|>' + role + '\n' + content + '<|im_end|>' + '\n' for every message.
        "chatml" => messages.Select(m => new ChatTurn([ExamplePiece.Context($"<|im_start|>{m.Role}\n")], m.Content, Marker("<|im_end|>"), "\n")).ToList(),
        // llama3.jinja: bos_token first; '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + content|trim + '<|eot_id|>'.
        "llama3" => messages.Select((m, i) => new ChatTurn(
            [.. i == 0 ? [ExamplePiece.Bos()] : Array.Empty<ExamplePiece>(), ExamplePiece.Context($"<|start_header_id|>{m.Role}<|end_header_id|>\n\n")],
            m.Content.Trim(), Marker("<|eot_id|>"), "")).ToList(),
        "alpaca" => Alpaca(messages),
        "phi_3" => Phi3(messages),
        _ => null,
    };

    /// <summary>alpaca.jinja: bos_token; a first system message as is, user '### Instruction:\n', assistant '### Response:\n'
    /// + content + eos_token; '\n\n' between messages. Other roles render nothing.</summary>
    private static List<ChatTurn> Alpaca(IReadOnlyList<ChatMessage> messages)
    {
        var turns = new List<ChatTurn>();
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var between = i < messages.Count - 1 ? "\n\n" : "";
            List<ExamplePiece> before = i == 0 ? [ExamplePiece.Bos()] : [];
            turns.Add(m.Role switch
            {
                "system" when i == 0 => new ChatTurn(before, m.Content, null, between),
                "user" => new ChatTurn([.. before, ExamplePiece.Context("### Instruction:\n")], m.Content, null, between),
                "assistant" => new ChatTurn([.. before, ExamplePiece.Context("### Response:\n")], m.Content, ExamplePiece.Eos(trained: false), between),
                _ => new ChatTurn(before, "", null, between),
            });
        }
        return turns;
    }

    /// <summary>phi_3.jinja: bos_token; system '&lt;|system|&gt;\n' + content + '&lt;|end|&gt;\n', user the same with
    /// '&lt;|assistant|&gt;\n' after, assistant content + '&lt;|end|&gt;\n'.</summary>
    private static List<ChatTurn> Phi3(IReadOnlyList<ChatMessage> messages) => messages.Select((m, i) =>
    {
        List<ExamplePiece> before = i == 0 ? [ExamplePiece.Bos()] : [];
        return m.Role switch
        {
            "system" => new ChatTurn([.. before, ExamplePiece.Context("<|system|>\n")], m.Content, Marker("<|end|>"), "\n"),
            "user" => new ChatTurn([.. before, ExamplePiece.Context("<|user|>\n")], m.Content, Marker("<|end|>"), "\n<|assistant|>\n"),
            "assistant" => new ChatTurn(before, m.Content, Marker("<|end|>"), "\n"),
            _ => new ChatTurn(before, "", null, ""),
        };
    }).ToList();

    /// <summary>An end-of-turn token written as text (lft-train's tokenizers encode it as text, not as the added token).</summary>
    private static ExamplePiece Marker(string token) => ExamplePiece.Context(token);
}
