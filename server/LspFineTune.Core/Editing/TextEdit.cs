using LspFineTune.Core.Text;

namespace LspFineTune.Core.Editing;

/// <summary>Replace <see cref="Range"/> of the original document with <see cref="NewText"/> (LSP's TextEdit).</summary>
public sealed record TextEdit(TextRange Range, string NewText);
