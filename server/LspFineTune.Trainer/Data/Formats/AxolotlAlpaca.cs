using System.Text.Json;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// axolotl's <c>type: alpaca</c> (and <c>alpaca:STYLE</c>): axolotl-ai-cloud/axolotl@067b021 <c>src/axolotl/prompters.py</c>
/// AlpacaPrompter (system prompts and turn formats per prompt style) with <c>prompt_tokenizers.py</c>
/// AlpacaPromptTokenizingStrategy: the prompt is BOS + system + turn, masked unless train_on_inputs; the output follows,
/// trained, with EOS.
/// </summary>
public sealed class AxolotlAlpaca(string style, bool trainOnInputs) : IRecordFormat
{
    private const string SystemPrompt = "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.";
    private const string SystemNoInputPrompt = "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    public string Expected => "{\"instruction\": ..., \"input\": ..., \"output\": ...}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (record.ValueKind != JsonValueKind.Object)
            return "expected a JSON object with \"instruction\" and \"output\"";
        if (!RecordFields.Has(record, "instruction") || !RecordFields.Has(record, "output"))
            return "an alpaca record needs \"instruction\" and \"output\"";
        if ((RecordFields.String(record, "instruction", out var instruction) ?? RecordFields.String(record, "input", out _) ?? RecordFields.String(record, "output", out _)) is { } problem)
            return problem;
        RecordFields.String(record, "input", out var input);
        RecordFields.String(record, "output", out var output);
        if (output.Length == 0)
            return "\"output\" is empty, so there is nothing to train on";
        example = RenderedExample.Framed([new ExamplePiece(PieceKind.Text, Prompt(instruction, input), trainOnInputs), ExamplePiece.Target(output)]);
        return null;
    }

    /// <summary>prompters.py _build_result: the system prompt in the style's system format, then the turn.</summary>
    internal string Prompt(string instruction, string input)
    {
        var (system, turn, noInput) = style switch
        {
            "chat" => ("SYSTEM: {0}\n", $"USER: {instruction}\n{input}\nASSISTANT:", $"USER: {instruction}\nASSISTANT:"),
            "chatml" => ("<|im_start|>system\n{0}<|im_end|>\n", $"<|im_start|>user\n{instruction}\n{input}<|im_end|>\n<|im_start|>assistant\n", $"<|im_start|>user\n{instruction}<|im_end|>\n<|im_start|>assistant\n"),
            "phi" => ("<|system|>\n{0}<|end|>\n", $"<|user|>\n{instruction}<|end|>{input}<|assistant|>", $"<|user|>\n{instruction}<|end|>\n<|assistant|>\n"),
            _ => ("{0}\n\n", $"### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n", $"### Instruction:\n{instruction}\n\n### Response:\n"),
        };
        return input.Length > 0
            ? system.Replace("{0}", SystemPrompt, StringComparison.Ordinal) + turn
            : system.Replace("{0}", SystemNoInputPrompt, StringComparison.Ordinal) + noInput;
    }
}
