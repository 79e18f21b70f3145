using LspFineTune.Core.Syntax;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>textDocument/documentSymbol: the outline, one symbol per key with sections nested, values as details.</summary>
public sealed class DocumentSymbolHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/documentSymbol";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<DocumentSymbol>> DocumentSymbols(DocumentSymbolParams? parameters = null, CancellationToken cancellationToken = default)
    {
        var document = await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false);
        return document?.Analysis.Tree.RootMapping is { } root ? Symbols(root) : [];
    }

    private static List<DocumentSymbol> Symbols(MappingNode mapping) =>
        mapping.Properties.Select(property => new DocumentSymbol
        {
            Name = property.Key.Value.Length > 0 ? property.Key.Value : "(empty key)",
            Detail = property.Value switch
            {
                ScalarNode scalar => scalar.Value,
                SequenceNode sequence => $"{sequence.Items.Count} items",
                _ => null,
            },
            Kind = property.Value switch
            {
                MappingNode => SymbolKind.Module,
                SequenceNode => SymbolKind.Array,
                _ => SymbolKind.Property,
            },
            Range = ProtocolConversions.ToRange(property.Range),
            SelectionRange = ProtocolConversions.ToRange(property.Key.Range),
            Children = property.Value is MappingNode child ? Symbols(child) : null,
        }).ToList();
}
