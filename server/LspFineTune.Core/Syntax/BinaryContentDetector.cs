namespace LspFineTune.Core.Syntax;

/// <summary>
/// Recognizes text that is not a config at all (an image, an archive, a file in the wrong encoding), so the user
/// gets one clear diagnostic instead of a syntax error about some odd character.
/// </summary>
internal static class BinaryContentDetector
{
    // The start of a file tells binary from text; scanning all of a large text file on every keystroke would not.
    private const int SampleLength = 8192;

    /// <summary>The offset of the first character that marks the text as binary, or -1 when it looks like text.</summary>
    public static int FindBinaryEvidence(string text)
    {
        var length = Math.Min(text.Length, SampleLength);
        var suspicious = 0;
        var first = -1;
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (c == '\0')
                return i; // no text format writes NUL
            if (IsSuspicious(c))
            {
                suspicious++;
                if (first < 0)
                    first = i;
            }
        }
        // A stray replacement character (a Latin-1 'é' read as UTF-8) is a typo; one in ten is not text.
        return suspicious >= 2 && suspicious * 10 >= length ? first : -1;
    }

    // C0 controls other than tab and line breaks, DEL, C1 controls (Latin-1 decoding of binary bytes),
    // and U+FFFD (what invalid UTF-8 decodes to).
    private static bool IsSuspicious(char c) =>
        (c < ' ' && c is not '\t' and not '\n' and not '\r') || (c >= '\u007F' && c <= '\u009F') || c == '\uFFFD';
}
