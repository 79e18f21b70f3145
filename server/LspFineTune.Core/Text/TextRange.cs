namespace LspFineTune.Core.Text;

/// <summary>A half-open range [Start, End) of a document, zero-based.</summary>
public readonly record struct TextRange(TextPosition Start, TextPosition End)
{
    public static TextRange At(int line, int character) =>
        new(new TextPosition(line, character), new TextPosition(line, character));

    public static TextRange FromBounds(int startLine, int startCharacter, int endLine, int endCharacter) =>
        new(new TextPosition(startLine, startCharacter), new TextPosition(endLine, endCharacter));

    public bool Contains(TextPosition position) => Start <= position && position <= End;

    public override string ToString() => $"{Start}-{End}";
}
