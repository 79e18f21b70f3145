using Newtonsoft.Json.Linq;

namespace LspFineTune.Core.Schema;

/// <summary>
/// NJsonSchema implements JSON Schema draft 4, which has no <c>const</c>: it silently ignores it, so
/// <c>"const": "all-linear"</c> would accept any string. A one-value <c>enum</c> means the same and is enforced.
/// </summary>
internal static class SchemaKeywordRewriter
{
    public static string RewriteConstToEnum(string schemaJson)
    {
        var document = JToken.Parse(schemaJson);
        var changed = false;
        var pending = new Stack<JToken>();
        pending.Push(document);
        while (pending.Count > 0)
        {
            if (pending.Pop() is not JObject schema)
                continue;
            if (schema["const"] is { } constant && schema["enum"] is null)
            {
                schema.Remove("const");
                schema["enum"] = new JArray(constant);
                changed = true;
            }
            // Only walk where schemas are, so a property that is itself named "const" is left alone.
            foreach (var keyword in schema.Properties())
            {
                switch (keyword.Name)
                {
                    case "properties" or "patternProperties" or "definitions" or "$defs" or "dependencies":
                        if (keyword.Value is JObject named)
                        {
                            foreach (var entry in named.Properties())
                                pending.Push(entry.Value);
                        }
                        break;
                    case "items" or "anyOf" or "oneOf" or "allOf":
                        if (keyword.Value is JArray list)
                        {
                            foreach (var item in list)
                                pending.Push(item);
                        }
                        else
                            pending.Push(keyword.Value);
                        break;
                    case "not" or "additionalProperties" or "additionalItems" or "contains" or "if" or "then" or "else" or "propertyNames":
                        pending.Push(keyword.Value);
                        break;
                }
            }
        }
        return changed ? document.ToString() : schemaJson;
    }
}
