namespace LspFineTune.Core.Text;

/// <summary>A zero-based line and UTF-16 column, as LSP counts them. The CLI adds one to each when printing.</summary>
public readonly record struct TextPosition(int Line, int Character) : IComparable<TextPosition>
{
    public int CompareTo(TextPosition other) =>
        Line != other.Line ? Line.CompareTo(other.Line) : Character.CompareTo(other.Character);

    public static bool operator <(TextPosition a, TextPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(TextPosition a, TextPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(TextPosition a, TextPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(TextPosition a, TextPosition b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Line}:{Character}";
}
