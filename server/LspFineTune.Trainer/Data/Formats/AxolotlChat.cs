using System.Text.Json;
using LspFineTune.Core.Planning;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// axolotl's <c>type: chat_template</c> (axolotl@067b021 <c>prompt_strategies/chat_template.py</c>): the messages of
/// <c>field_messages</c>, roles mapped by <c>roles</c>, rendered by the named template; a turn whose role is in
/// <c>roles_to_train</c> (or every turn under train_on_inputs) is trained on its content, and its end-of-turn token as
/// <c>train_on_eos</c> says (turn: of trained turns; all; last: of the last trained turn; none). Nothing is added around
/// the rendering: BOS and EOS are where the template puts them.
/// </summary>
public sealed class AxolotlChat(string template, DatasetFields fields, bool trainOnInputs) : IRecordFormat
{
    public string Expected => $"{{\"{fields.Messages}\": [{{\"{fields.Role}\": ..., \"{fields.Content}\": ...}}, ...]}}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (ChatMessages.Read(record, fields, out var messages) is { } problem)
            return problem;
        var turns = AxolotlChatTemplates.Render(template, messages)!;
        var trained = messages.Select(m => trainOnInputs || fields.RolesToTrain.Contains(m.Role)).ToList();
        var lastTrained = trained.LastIndexOf(true);
        var pieces = new List<ExamplePiece>();
        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i];
            pieces.AddRange(turn.Before);
            if (turn.Content.Length > 0)
                pieces.Add(new ExamplePiece(PieceKind.Text, turn.Content, trained[i]));
            if (turn.End is { } end)
            {
                var trainEnd = fields.TrainOnEos switch
                {
                    "all" => true,
                    "last" => i == lastTrained,
                    "none" => false,
                    _ => trained[i],
                };
                pieces.Add(end with { Trained = trainEnd });
            }
            if (turn.After.Length > 0)
                pieces.Add(ExamplePiece.Context(turn.After));
        }
        example = new RenderedExample(pieces);
        return null;
    }
}
