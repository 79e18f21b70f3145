using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlScalarStyle = YamlDotNet.Core.ScalarStyle;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// Builds the node tree from YamlDotNet's event stream and reports what YAML allows but a config must not have
/// (duplicate keys, merge keys, complex keys, several documents). The tree is built with an explicit stack of open
/// collections, never by recursion, so no input can overflow the .NET stack (which cannot be caught).
/// </summary>
internal sealed class SyntaxTreeBuilder(string text, LineMap lines)
{
    public const int MaxDepth = 64;

    // Aliases share nodes, but whatever walks the tree (schema validation, binding) sees each use; bounding the
    // values added through aliases makes an alias bomb ("billion laughs") cost no more than a large honest config.
    private const long MaxAliasExpansion = 100_000;

    private readonly List<Diagnostic> diagnostics = [];
    private readonly List<Frame> frames = [];
    private readonly Dictionary<string, Anchored> anchors = new(StringComparer.Ordinal);
    private SyntaxNode? root;
    private int documents;
    private long aliasExpansion;
    private bool reportedTooDeep;
    private int skipDepth;   // > 0 while skipping a collection nested deeper than MaxDepth
    private long lastOffset; // end of the last event, where an error without a position is reported

    /// <param name="parseText">The text handed to YamlDotNet: the document, possibly cut short by the caller.</param>
    /// <param name="cutAt">Where the caller cut the text because it nests too deep, or -1.</param>
    public (SyntaxNode? Root, List<Diagnostic> Diagnostics) Build(string parseText, int cutAt)
    {
        if (cutAt >= 0)
            ReportTooDeep(cutAt);
        try
        {
            var parser = new Parser(new StringReader(parseText));
            while (parser.MoveNext() && parser.Current is { } parsingEvent && Handle(parsingEvent))
                lastOffset = parsingEvent.End.Index;
        }
        catch (YamlException exception) when (cutAt >= 0 && exception.End.Index >= cutAt)
        {
            // The text ends inside the collections that were cut off; that is reported as too deep already.
        }
        catch (YamlException exception)
        {
            Report(SyntaxErrorDescriber.Describe(exception, text, lines, InnermostOpenFlow()));
        }
        catch (Exception)
        {
            // YamlDotNet throws InvalidOperationException on some unclosed brackets; parsing must never throw.
            // In a text that was cut short, that is the cut again.
            if (cutAt < 0)
                Report(SyntaxErrorDescriber.DescribeUnexpected(lastOffset, text, InnermostOpenFlow()));
        }
        CloseUnfinishedCollections();
        return (root, diagnostics);
    }

    /// <summary>Handles one event; false stops parsing.</summary>
    private bool Handle(ParsingEvent parsingEvent)
    {
        switch (parsingEvent)
        {
            case DocumentStart start:
                documents++;
                if (documents > 1)
                {
                    diagnostics.Add(Diagnostic.Error(DiagnosticCodes.MultipleDocuments,
                        "A second YAML document starts here, but a file holds one config. Move it to its own file, or remove the '---' line.",
                        ErrorRange(start.Start.Index, start.End.Index)));
                    return false;
                }
                return true;
            case StreamStart or StreamEnd or DocumentEnd:
                return true;
        }

        if (skipDepth > 0)
        {
            Skip(parsingEvent);
            return true;
        }
        switch (parsingEvent)
        {
            case Scalar scalar:
                AddScalar(scalar);
                break;
            case AnchorAlias alias:
                AddAlias(alias);
                break;
            case MappingStart mapping:
                Open(mapping, isMapping: true, mapping.Style == MappingStyle.Flow);
                break;
            case SequenceStart sequence:
                Open(sequence, isMapping: false, sequence.Style == SequenceStyle.Flow);
                break;
            case MappingEnd or SequenceEnd:
                Close(parsingEvent);
                break;
        }
        return true;
    }

    private void AddScalar(Scalar scalar)
    {
        var style = scalar.Style switch
        {
            YamlScalarStyle.SingleQuoted => ScalarStyle.SingleQuoted,
            YamlScalarStyle.DoubleQuoted => ScalarStyle.DoubleQuoted,
            YamlScalarStyle.Literal => ScalarStyle.Literal,
            YamlScalarStyle.Folded => ScalarStyle.Folded,
            _ => ScalarStyle.Plain,
        };
        // `!!str 42` and `! 42` are strings by their tag; other tags (`!!int`) do not change how a config reads.
        var taggedString = !scalar.Tag.IsEmpty && scalar.Tag.Value is "tag:yaml.org,2002:str" or "!";
        var kind = style == ScalarStyle.Plain && !taggedString ? ScalarResolver.Resolve(scalar.Value) : ScalarKind.String;
        var node = new ScalarNode(ScalarRange(scalar, style), scalar.Value, style, kind);
        if (ScalarResolver.RangeProblem(scalar.Value, kind) is { } problem)
            diagnostics.Add(problem.IsError
                ? Diagnostic.Error(DiagnosticCodes.OutOfRange, problem.Message, node.Range)
                : Diagnostic.Warning(DiagnosticCodes.OutOfRange, problem.Message, node.Range));
        Register(scalar.Anchor, node, height: 0, size: 1);
        Attach(node, height: 0, size: 1, isAlias: false, node.Range.End);
    }

    private TextRange ScalarRange(Scalar scalar, ScalarStyle style)
    {
        var start = scalar.Start.Index;
        var end = scalar.End.Index;
        if (style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            // A block scalar's mark runs to the next token; its text ends at its last non-blank character.
            while (end > start && end <= text.Length && char.IsWhiteSpace(text[(int)end - 1]))
                end--;
        }
        var range = lines.RangeOf(start, end);
        // `key:` with nothing after it: YamlDotNet puts the empty value at the next token when the key is explicit (`? key`);
        // the value belongs at the end of the key's line, where a quick fix would type it.
        if (scalar.Value.Length == 0 && style == ScalarStyle.Plain && PendingKey() is { } key && range.Start.Line > key.Range.End.Line)
            return TextRange.At(key.Range.End.Line, lines.LineContentEnd(key.Range.End.Line, text) - lines.LineStart(key.Range.End.Line));
        return range;
    }

    private void AddAlias(AnchorAlias alias)
    {
        var range = lines.RangeOf(alias.Start.Index, alias.End.Index);
        var name = alias.Value.Value;
        if (!anchors.TryGetValue(name, out var anchored))
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.SyntaxError,
                $"`*{name}` refers to no anchor: define `&{name}` on a value above this line, or write the value out.", range));
            AttachPlaceholder(range, alias.End.Index);
            return;
        }
        if (frames.Count + anchored.Height > MaxDepth)
        {
            ReportTooDeep(alias.Start.Index);
            AttachPlaceholder(range, alias.End.Index);
            return;
        }
        aliasExpansion += anchored.Size;
        if (aliasExpansion > MaxAliasExpansion)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DocumentTooComplex,
                $"Aliases in this document expand to more than {MaxAliasExpansion:N0} values; a config needs far fewer. Write the values out.", range));
            AttachPlaceholder(range, alias.End.Index);
            return;
        }
        // A scalar alias used as a key becomes a key of its own, so the key's range is where it is written.
        if (IsExpectingKey() && anchored.Node is ScalarNode scalar)
        {
            Attach(new ScalarNode(range, scalar.Value, scalar.Style, scalar.Kind), 0, 1, isAlias: false, range.End);
            return;
        }
        Attach(anchored.Node, anchored.Height, anchored.Size, isAlias: true, lines.PositionAt(alias.End.Index));
    }

    private void Open(NodeEvent start, bool isMapping, bool isFlow)
    {
        if (frames.Count >= MaxDepth)
        {
            ReportTooDeep(start.Start.Index);
            skipDepth = 1;
            AttachPlaceholder(lines.RangeOf(start.Start.Index, start.Start.Index + 1), start.Start.Index + 1);
            return;
        }
        frames.Add(new Frame(isMapping, isFlow, start.Start.Index, start.Anchor.IsEmpty ? null : start.Anchor.Value));
    }

    private void Close(ParsingEvent end)
    {
        var frame = frames[^1];
        frames.RemoveAt(frames.Count - 1);
        // A flow collection ends after its ']' or '}', which YamlDotNet marks with an empty range at the bracket.
        long? flowEnd = frame.IsFlow && end.Start.Index < text.Length && text[(int)end.Start.Index] is ']' or '}' ? end.Start.Index + 1 : null;
        var node = BuildNode(frame, flowEnd);
        if (frame.Anchor is not null)
            anchors[frame.Anchor] = new Anchored(node, frame.Height, frame.Size);
        Attach(node, frame.Height, frame.Size, isAlias: false, node.Range.End);
    }

    private void Skip(ParsingEvent parsingEvent)
    {
        if (parsingEvent is MappingStart or SequenceStart)
            skipDepth++;
        else if (parsingEvent is MappingEnd or SequenceEnd)
            skipDepth--;
    }

    /// <summary>Puts a child into the innermost open collection, or makes it the root.</summary>
    private void Attach(SyntaxNode node, int height, long size, bool isAlias, TextPosition end)
    {
        if (frames.Count == 0)
        {
            root ??= node;
            return;
        }
        var frame = frames[^1];
        frame.Height = Math.Max(frame.Height, height + 1);
        frame.Size += size;
        frame.LastEnd = end;
        if (!frame.IsMapping)
        {
            frame.Items.Add(new Child(node, isAlias));
            return;
        }
        if (!frame.ExpectingValue)
        {
            frame.ExpectingValue = true;
            frame.Key = node as ScalarNode;
            if (frame.Key is null)
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnsupportedYamlFeature,
                    "A key must be a plain name, not a list or a mapping; write the key as text.", node.Range));
            }
            return;
        }
        frame.ExpectingValue = false;
        if (frame.Key is { } key)
            AddProperty(frame, key, node, isAlias);
        frame.Key = null;
    }

    private void AddProperty(Frame frame, ScalarNode key, SyntaxNode value, bool isAlias)
    {
        if (key.Style == ScalarStyle.Plain && key.Value == "<<")
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnsupportedYamlFeature,
                "Merge keys (`<<:`) are not supported; write the keys out in this mapping.", key.Range));
            return;
        }
        frame.Keys ??= new Dictionary<string, PropertyNode>(StringComparer.Ordinal);
        if (frame.Keys.TryGetValue(key.Value, out var first))
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DuplicateKey,
                $"`{key.Value}` is already defined at line {first.Key.Range.Start.Line + 1}; the later value would silently win. Remove one of them.",
                key.Range) with
            {
                Related = [new RelatedLocation(first.Key.Range, $"`{key.Value}` is first defined here")],
                Data = new Dictionary<string, string> { ["key"] = key.Value },
            });
            return; // keep the first, as the message tells
        }
        var property = new PropertyNode(key, value);
        frame.Keys.Add(key.Value, property);
        frame.Properties.Add(new PropertyChild(property, isAlias));
    }

    private SyntaxNode BuildNode(Frame frame, long? flowEnd)
    {
        var start = lines.PositionAt(frame.Start);
        var end = flowEnd is { } offset ? lines.PositionAt(offset) : frame.LastEnd ?? start;
        var range = new TextRange(start, end > start ? end : start);
        if (frame.IsMapping)
        {
            var properties = new PropertyNode[frame.Properties.Count];
            for (var i = 0; i < properties.Length; i++)
                properties[i] = frame.Properties[i].Property;
            var mapping = new MappingNode(range, properties, frame.IsFlow);
            foreach (var (property, valueIsAlias) in frame.Properties)
            {
                property.Owner = mapping;
                property.Key.Parent = mapping;
                // A node reached through an alias keeps the parent where it is anchored.
                if (!valueIsAlias)
                {
                    property.Value.Parent = mapping;
                    property.Value.OwningProperty = property;
                }
            }
            return mapping;
        }
        var items = new SyntaxNode[frame.Items.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = frame.Items[i].Node;
        var sequence = new SequenceNode(range, items, frame.IsFlow);
        foreach (var (item, isAlias) in frame.Items)
        {
            if (!isAlias)
                item.Parent = sequence;
        }
        return sequence;
    }

    /// <summary>After an error, keeps what parsed: each open collection is closed with the children it has.</summary>
    private void CloseUnfinishedCollections()
    {
        skipDepth = 0;
        while (frames.Count > 0)
        {
            var frame = frames[^1];
            frames.RemoveAt(frames.Count - 1);
            // A key whose value never parsed is dropped, rather than guessed to be null.
            var node = BuildNode(frame, flowEnd: null);
            Attach(node, frame.Height, frame.Size, isAlias: false, node.Range.End);
        }
    }

    private void Register(AnchorName anchor, SyntaxNode node, int height, long size)
    {
        if (!anchor.IsEmpty)
            anchors[anchor.Value] = new Anchored(node, height, size);
    }

    private void AttachPlaceholder(TextRange range, long end) =>
        Attach(new ScalarNode(range, "", ScalarStyle.Plain, ScalarKind.Null), 0, 1, isAlias: false, lines.PositionAt(end));

    private ScalarNode? PendingKey() => frames.Count > 0 && frames[^1] is { IsMapping: true, ExpectingValue: true } frame ? frame.Key : null;

    private bool IsExpectingKey() => frames.Count > 0 && frames[^1] is { IsMapping: true, ExpectingValue: false };

    private long? InnermostOpenFlow()
    {
        for (var i = frames.Count - 1; i >= 0; i--)
        {
            if (frames[i].IsFlow)
                return frames[i].Start;
        }
        return null;
    }

    private void ReportTooDeep(long offset)
    {
        if (reportedTooDeep)
            return;
        reportedTooDeep = true;
        diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DocumentTooComplex,
            $"The document is nested deeper than {MaxDepth} levels; configs are at most a few levels deep. What is nested deeper is ignored.",
            ErrorRange(offset, offset)));
    }

    private void Report(SyntaxErrorReport report)
    {
        var diagnostic = Diagnostic.Error(DiagnosticCodes.SyntaxError, report.Message, ErrorRange(report.Start, report.End));
        if (report.RelatedOffset is { } related)
            diagnostic = diagnostic with { Related = [new RelatedLocation(ErrorRange(related, related), report.RelatedMessage ?? "")] };
        diagnostics.Add(diagnostic);
    }

    /// <summary>A range for a diagnostic: at least one character wide where there is a character to underline.</summary>
    private TextRange ErrorRange(long start, long end)
    {
        start = Math.Clamp(start, 0, text.Length);
        if (end <= start && start < text.Length && text[(int)start] is not '\n' and not '\r')
            end = start + 1;
        return lines.RangeOf(start, Math.Clamp(end, start, text.Length));
    }

    /// <summary>A collection being read: its children so far and what the tree needs to know about it once closed.</summary>
    private sealed class Frame(bool isMapping, bool isFlow, long start, string? anchor)
    {
        public bool IsMapping { get; } = isMapping;
        public bool IsFlow { get; } = isFlow;
        public long Start { get; } = start;
        public string? Anchor { get; } = anchor;
        public List<PropertyChild> Properties { get; } = [];
        public List<Child> Items { get; } = [];
        public Dictionary<string, PropertyNode>? Keys { get; set; }
        public bool ExpectingValue { get; set; }
        public ScalarNode? Key { get; set; }         // null while expecting a value: the key was not a scalar
        public TextPosition? LastEnd { get; set; }   // where the last child ends: the end of a block collection
        public int Height { get; set; } = 1;         // levels of collections in this one, counting itself
        public long Size { get; set; } = 1;          // nodes in this one with aliases expanded
    }

    private readonly record struct Child(SyntaxNode Node, bool IsAlias);

    private readonly record struct PropertyChild(PropertyNode Property, bool ValueIsAlias);

    private readonly record struct Anchored(SyntaxNode Node, int Height, long Size);
}
