using System.Text;
using System.Text.Json.Nodes;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers.Completion;

/// <summary>
/// textDocument/completion: the keys of the section at the cursor (not yet written), whole sections as snippets with
/// their common keys, and values: enum members, catalog GPU and model ids, booleans, each with its documentation.
/// </summary>
public sealed class CompletionHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/completion";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<CompletionList> Completion(CompletionParams? parameters = null, CancellationToken cancellationToken = default)
    {
        if (await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false) is not { } document)
            return new CompletionList(false, []);
        var snapshot = document.Snapshot;
        var position = snapshot.Lines.Clamp(DocumentRequests.RequirePosition(Method, parameters!.Position));
        if (CompletionContext.For(snapshot, position) is not { } context)
            return new CompletionList(false, []);
        var items = context.IsValue ? ValueItems(document, context) : KeyItems(document, context, requests.Session.Capabilities.Snippets);
        return new CompletionList(false, items);
    }

    private static List<CompletionItem> KeyItems(AnalyzedDocument document, CompletionContext context, bool snippets)
    {
        if (document.Analysis.Documentation?.Find(context.SectionPath) is not { IsSection: true } section)
            return [];
        var json = document.Snapshot.Format == DocumentFormat.Json;
        var written = WrittenKeys(document.Analysis.Tree, context.SectionPath);
        var items = new List<CompletionItem>();
        foreach (var key in section.Children)
        {
            var name = key.Path[(key.Path.LastIndexOf('.') + 1)..];
            if (written.Contains(name))
                continue;
            var useSnippet = snippets && key.IsSection && key.Children.Any(c => c.Default is not null);
            items.Add(new CompletionItem
            {
                Label = name,
                Kind = key.IsSection ? CompletionItemKind.Module : CompletionItemKind.Property,
                Detail = key.IsSection ? "section" : string.Join(" | ", key.Types),
                Documentation = Documentation(key),
                SortText = (key.IsSection ? "1" : "0") + name,
                FilterText = json && context.InsideQuotes ? "\"" + name : name,
                InsertTextFormat = useSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
                TextEdit = new LspTextEdit(context.Replace, useSnippet ? SectionSnippet(name, key, json) : KeyText(name, key, json)),
            });
        }
        return items;
    }

    private static List<CompletionItem> ValueItems(AnalyzedDocument document, CompletionContext context)
    {
        var snapshot = document.Snapshot;
        var dialect = document.Analysis.Dialect!;
        var json = snapshot.Format == DocumentFormat.Json;
        var path = context.ValuePath;
        var items = new List<CompletionItem>();
        var key = document.Analysis.Documentation?.Find(path);
        // The document's own allowed values come first (torchtune's model._component_ names builders, not Hugging Face ids).
        if (key is { AllowedValues.Count: > 0 })
            return AllowedItems(key, context, json);
        if (path == dialect.Vocabulary.Key(Core.Dialects.PlanField.Gpu))
        {
            foreach (var gpu in GpuCatalog.Default.All)
                items.Add(Value(gpu.Id, $"{gpu.Name}, {Presentation.EstimateMarkdown.Size(gpu.UsableMemoryBytes, false)}", Presentation.EstimateMarkdown.Gpu(gpu, false), context, json));
            return items;
        }
        if (path == dialect.Vocabulary.Key(Core.Dialects.PlanField.Model))
        {
            // Native configs name catalog ids; the real formats name Hugging Face repositories.
            var native = dialect is Core.Dialects.Native.NativeDialect;
            foreach (var model in ModelCatalog.Default.All)
                items.Add(Value(native ? model.Id : model.HfId, $"{(native ? model.HfId : model.Id)}, {Presentation.EstimateMarkdown.Count(model.PublishedParameters)} parameters", null, context, json));
            return items;
        }
        if (key is not null && key.Types.Contains("boolean"))
        {
            items.Add(Value("true", null, key.MarkdownDescription, context, json, quoted: false));
            items.Add(Value("false", null, key.MarkdownDescription, context, json, quoted: false));
        }
        return items;
    }

    private static List<CompletionItem> AllowedItems(SchemaKeyInfo key, CompletionContext context, bool json) =>
        key.AllowedValues.Select(allowed => Value(Unquoted(allowed), key.Default?.ToJsonString() == allowed?.ToJsonString() ? "default" : null, key.MarkdownDescription, context, json, allowed is JsonValue v && v.TryGetValue<string>(out _))).ToList();

    private static CompletionItem Value(string value, string? detail, string? documentation, CompletionContext context, bool json, bool quoted = true) => new()
    {
        Label = value,
        Kind = CompletionItemKind.EnumMember,
        Detail = detail,
        Documentation = documentation is null ? null : new MarkupContent(MarkupKind.Markdown, documentation),
        FilterText = json && context.InsideQuotes ? "\"" + value : value,
        TextEdit = new LspTextEdit(context.Replace, json && quoted ? "\"" + value + "\"" : value),
    };

    private static string KeyText(string name, SchemaKeyInfo key, bool json) => json
        ? $"\"{name}\": " + (key.IsSection ? "{}" : "")
        : key.IsSection ? name + ":" : name + ": ";

    /// <summary>A section with its keys that have defaults, each a tab stop (<c>deepspeed:\n  zero_stage: ${1:0}</c>).</summary>
    private static string SectionSnippet(string name, SchemaKeyInfo section, bool json)
    {
        var children = section.Children.Where(c => c.Default is not null && !c.IsSection).Take(8).ToList();
        var text = new StringBuilder();
        text.Append(json ? $"\"{name}\": {{\n" : $"{name}:\n");
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            var childName = child.Path[(child.Path.LastIndexOf('.') + 1)..];
            var value = json ? child.Default!.ToJsonString() : Unquoted(child.Default);
            var escaped = value.Replace("\\", "\\\\").Replace("$", "\\$").Replace("}", "\\}");
            text.Append(json ? $"  \"{childName}\": ${{{i + 1}:{escaped}}}{(i + 1 < children.Count ? "," : "")}\n" : $"  {childName}: ${{{i + 1}:{escaped}}}\n");
        }
        if (json)
            text.Append('}');
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>Keys already in the section, from the version's cached parse.</summary>
    private static HashSet<string> WrittenKeys(ConfigSyntaxTree tree, string sectionPath)
    {
        var mapping = sectionPath.Length == 0 ? tree.RootMapping : tree.FindProperty(sectionPath)?.Value as MappingNode;
        return mapping?.Properties.Select(p => p.Key.Value).ToHashSet(StringComparer.Ordinal) ?? [];
    }

    private static MarkupContent? Documentation(SchemaKeyInfo key)
    {
        var text = key.MarkdownDescription ?? "";
        if (key.Default is not null)
            text += $"\n\nDefault: `{key.Default.ToJsonString()}`";
        return text.Length == 0 ? null : new MarkupContent(MarkupKind.Markdown, text.Trim());
    }

    private static string Unquoted(JsonNode? value) => value?.ToJsonString().Trim('"') ?? "null";
}
