using System.Globalization;
using System.Text;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace LspFineTune.Core.Schema;

/// <summary>
/// Turns one NJsonSchema error into a diagnostic: a message in the config's terms (dotted paths, YAML type names),
/// placed on the offending value, or on the key for unknown keys, and carrying the data a quick fix needs.
/// </summary>
internal sealed class ValidationErrorDescriber(SyntaxTreeJsonConverter converter, JsonSchema rootSchema)
{
    public Diagnostic? Describe(ValidationError error)
    {
        if (error.Token is not { } token)
            return null;
        // A number beyond the range of its type is reported once, where the tree is built; its type here is moot.
        if (converter.Nodes.TryGetValue(token, out var node) && node is ScalarNode scalar && ScalarResolver.RangeProblem(scalar.Value, scalar.Kind) is { IsError: true })
            return null;
        if (error is ChildSchemaValidationError alternatives && error.Kind is ValidationErrorKind.NotAnyOf or ValidationErrorKind.NotOneOf)
            return DescribeAlternatives(alternatives, token);
        if (ValidationErrorFlattener.IsTypeError(error.Kind))
            return ValueError(DiagnosticCodes.WrongType, token, $"must be {ExpectedType(error)}, but {Actual(token)}.");
        return error.Kind switch
        {
            ValidationErrorKind.NoAdditionalPropertiesAllowed => UnknownKey(error, token),
            ValidationErrorKind.NotInEnumeration => NotAllowedValue(error, token),
            ValidationErrorKind.PropertyRequired => MissingKey(error, token),
            ValidationErrorKind.NumberTooSmall => ValueError(DiagnosticCodes.OutOfRange, token, $"must be {Minimum(error.Schema)}; got {Written(token)}."),
            ValidationErrorKind.NumberTooBig or ValidationErrorKind.IntegerTooBig =>
                ValueError(DiagnosticCodes.OutOfRange, token, $"must be {Maximum(error.Schema)}; got {Written(token)}."),
            _ => ValueError(DiagnosticCodes.SchemaViolation, token, OtherProblem(error) + "."),
        };
    }

    private Diagnostic DescribeAlternatives(ChildSchemaValidationError error, JToken token)
    {
        if (!ValidationErrorFlattener.IsTypeMismatchOfEveryBranch(error))
            return ValueError(DiagnosticCodes.SchemaViolation, token, "matches more than one of its allowed forms; make it match exactly one.");
        var forms = error.Errors.Keys.Select(DescribeForm).Distinct().ToList();
        var expected = forms.Count == 1 ? forms[0] : string.Join(", ", forms.Take(forms.Count - 1)) + " or " + forms[^1];
        return ValueError(DiagnosticCodes.WrongType, token, $"must be {expected}, but {Actual(token)}.");
    }

    private Diagnostic UnknownKey(ValidationError error, JToken token)
    {
        var key = error.Property ?? "";
        var range = converter.Properties.TryGetValue(token, out var property) ? property.Key.Range : RangeOfValue(token);
        var parentToken = token.Parent;
        var where = parentToken is null || parentToken.Parent is null ? "the top level" : $"`{parentToken.Path}`";
        var siblings = SiblingNames(error, token);
        var suggestion = Suggestion(key, siblings);
        var data = new Dictionary<string, string> { ["key"] = key };
        string message;
        if (suggestion is not null)
        {
            data["suggestion"] = suggestion;
            message = $"Unknown key `{key}` in {where}. Did you mean `{suggestion}`?";
        }
        else
        {
            var known = siblings.Count == 0 ? "" : " Known keys: " + string.Join(", ", siblings.Take(12)) + (siblings.Count > 12 ? ", ..." : "") + ".";
            message = $"Unknown key `{key}` in {where}; check its spelling or remove it.{known}";
        }
        return Diagnostic.Error(DiagnosticCodes.UnknownKey, message, range) with { Data = data };
    }

    private Diagnostic NotAllowedValue(ValidationError error, JToken token)
    {
        var allowed = error.Schema?.ActualSchema.Enumeration.Select(FormatEnumValue).ToList() ?? [];
        var written = token is JValue { Type: JTokenType.String } value ? (string)value! : null;
        var suggestion = written is null ? null : DidYouMean.Suggest(written, allowed);
        var message = $"must be one of {string.Join(", ", allowed)}; got {Written(token)}." + (suggestion is null ? "" : $" Did you mean `{suggestion}`?");
        var diagnostic = ValueError(DiagnosticCodes.NotAllowedValue, token, message);
        return suggestion is null ? diagnostic : diagnostic with { Data = new Dictionary<string, string> { ["suggestion"] = suggestion } };
    }

    private Diagnostic MissingKey(ValidationError error, JToken token)
    {
        var key = error.Property ?? "";
        var node = converter.Nodes.TryGetValue(token, out var found) ? found : null;
        var data = new Dictionary<string, string> { ["key"] = key, ["path"] = token.Path };
        if (token.Parent is null)
            return Diagnostic.Error(DiagnosticCodes.MissingRequiredKey, $"The config is missing the required key `{key}`; add it.", TextRange.At(0, 0)) with { Data = data };
        // Underline the key that owns the incomplete mapping; a mapping in a list has none, so its start.
        var range = node?.OwningProperty?.Key.Range ?? (node is null ? TextRange.At(0, 0) : new TextRange(node.Range.Start, node.Range.Start));
        return Diagnostic.Error(DiagnosticCodes.MissingRequiredKey, $"`{token.Path}` is missing the required key `{key}`; add it.", range) with { Data = data };
    }

    private Diagnostic ValueError(string code, JToken token, string problem) =>
        Diagnostic.Error(code, $"`{PathOf(token)}` {problem}", RangeOfValue(token));

    private TextRange RangeOfValue(JToken token) => converter.Nodes.TryGetValue(token, out var node) ? node.Range : TextRange.At(0, 0);

    private static string PathOf(JToken token) => token.Path.Length == 0 ? "the config" : token.Path;

    /// <summary>The property names allowed next to an unknown key, from the schema of the mapping holding it.</summary>
    private List<string> SiblingNames(ValidationError error, JToken token)
    {
        var schema = error.Schema?.ActualSchema ?? SchemaAt(token.Parent);
        return schema is null ? [] : KnownKeys.GetValue(schema, s => [.. s.ActualProperties.Keys]);
    }

    /// <summary>
    /// The did-you-mean for a misspelt key, remembered per schema: while the user edits other lines, the same misspelt
    /// key is reported on every keystroke, and comparing it with hundreds of keys (axolotl has 484) is the costly part.
    /// </summary>
    private static string? Suggestion(string key, List<string> siblings)
    {
        var remembered = Suggestions.GetValue(siblings, _ => new System.Collections.Concurrent.ConcurrentDictionary<string, string?>(StringComparer.Ordinal));
        if (remembered.TryGetValue(key, out var suggestion))
            return suggestion;
        suggestion = DidYouMean.Suggest(key, siblings);
        if (remembered.Count >= 1024)
            remembered.Clear();
        remembered[key] = suggestion;
        return suggestion;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<List<string>, System.Collections.Concurrent.ConcurrentDictionary<string, string?>> Suggestions = new();

    /// <summary>Each schema's key names, once: NJsonSchema rebuilds ActualProperties on every access.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonSchema, List<string>> KnownKeys = new();

    /// <summary>Finds the schema of a token by walking from the root schema along the token's ancestors ($ref resolved).</summary>
    private JsonSchema? SchemaAt(JToken? token)
    {
        var chain = new Stack<JToken>();
        for (var current = token; current?.Parent is not null; current = current.Parent)
            chain.Push(current);
        var schema = rootSchema.ActualSchema;
        while (chain.Count > 0 && schema is not null)
        {
            var step = chain.Pop();
            if (step is JProperty property)
                schema = schema.ActualProperties.TryGetValue(property.Name, out var child) ? child.ActualSchema : null;
            else if (step.Parent is JArray)
                schema = schema.Item?.ActualSchema;
        }
        return schema;
    }

    private static string ExpectedType(ValidationError error) => error.Kind switch
    {
        ValidationErrorKind.StringExpected => "a string",
        ValidationErrorKind.IntegerExpected => "an integer",
        ValidationErrorKind.NumberExpected => "a number",
        ValidationErrorKind.BooleanExpected => "true or false",
        ValidationErrorKind.ObjectExpected => "a mapping of keys",
        ValidationErrorKind.ArrayExpected => "a list",
        ValidationErrorKind.NullExpected => "null",
        _ => error.Schema is null ? "another type" : TypeNames(error.Schema.ActualSchema.Type),
    };

    /// <summary>"an integer or null" for <c>"type": ["integer", "null"]</c>.</summary>
    private static string TypeNames(JsonObjectType type)
    {
        var names = new List<string>();
        if (type.HasFlag(JsonObjectType.String)) names.Add("a string");
        if (type.HasFlag(JsonObjectType.Integer)) names.Add("an integer");
        if (type.HasFlag(JsonObjectType.Number)) names.Add("a number");
        if (type.HasFlag(JsonObjectType.Boolean)) names.Add("true or false");
        if (type.HasFlag(JsonObjectType.Object)) names.Add("a mapping of keys");
        if (type.HasFlag(JsonObjectType.Array)) names.Add("a list");
        if (type.HasFlag(JsonObjectType.Null)) names.Add("null");
        return names.Count == 0 ? "another type" : string.Join(" or ", names);
    }

    /// <summary>One branch of an anyOf/oneOf in words: "'all-linear'", "a list of strings", "an integer".</summary>
    private static string DescribeForm(JsonSchema branch)
    {
        var schema = branch.ActualSchema;
        if (schema.Enumeration.Count > 0)
            return string.Join(" or ", schema.Enumeration.Select(value => value is string text ? $"'{text}'" : FormatEnumValue(value)));
        if (schema.Type.HasFlag(JsonObjectType.Array) && schema.Item?.ActualSchema is { } item && item.Type != JsonObjectType.None)
            return "a list of " + TypeNames(item.Type).Replace("a string", "strings").Replace("an integer", "integers").Replace("a number", "numbers");
        return TypeNames(schema.Type);
    }

    /// <summary>What the value is, in the user's words: "'four' is a string", "it is a list".</summary>
    private string Actual(JToken token)
    {
        var node = converter.Nodes.TryGetValue(token, out var found) ? found : null;
        return node switch
        {
            MappingNode => "it is a mapping",
            SequenceNode => "it is a list",
            ScalarNode { Kind: ScalarKind.Null } => "it is empty (null)",
            ScalarNode { Kind: ScalarKind.String } scalar => $"'{Shorten(scalar.Value)}' is a string",
            ScalarNode { Kind: ScalarKind.Integer } scalar => $"{Shorten(scalar.Value)} is an integer",
            ScalarNode { Kind: ScalarKind.Float } scalar => FloatInWords(scalar),
            ScalarNode { Kind: ScalarKind.Boolean } scalar => $"{scalar.Value} is a boolean",
            _ => $"it is {token.Type.ToString().ToLowerInvariant()}",
        };
    }

    /// <summary>Why a float is not an integer: infinite, not a number, too large to be exact, or its fraction.</summary>
    private static string FloatInWords(ScalarNode scalar) => scalar.AsNumber() switch
    {
        { } value when double.IsInfinity(value) => $"{Shorten(scalar.Value)} is infinite",
        { } value when double.IsNaN(value) => $"{Shorten(scalar.Value)} is not a number (NaN)",
        { } value when value == Math.Floor(value) => $"{Shorten(scalar.Value)} is a float too large to be held exactly as an integer",
        _ => $"{Shorten(scalar.Value)} is a number with a fraction",
    };

    /// <summary>The value as the user wrote it: 'bf61' for text, 0 for numbers.</summary>
    private string Written(JToken token) => (converter.Nodes.TryGetValue(token, out var node) ? node : null) switch
    {
        ScalarNode { Kind: ScalarKind.String } scalar => $"'{Shorten(scalar.Value)}'",
        ScalarNode scalar => Shorten(scalar.Value.Length == 0 ? "null" : scalar.Value),
        SequenceNode => "a list",
        MappingNode => "a mapping",
        _ => token.ToString(),
    };

    private static string Minimum(JsonSchema? schema)
    {
        if (schema?.ActualSchema is not { } actual)
            return "larger";
        if (actual.ExclusiveMinimum is { } exclusive)
            return $"greater than {Number(exclusive)}";
        return actual.IsExclusiveMinimum ? $"greater than {Number(actual.Minimum)}" : $"at least {Number(actual.Minimum)}";
    }

    private static string Maximum(JsonSchema? schema)
    {
        if (schema?.ActualSchema is not { } actual)
            return "smaller";
        if (actual.ExclusiveMaximum is { } exclusive)
            return $"less than {Number(exclusive)}";
        return actual.IsExclusiveMaximum ? $"less than {Number(actual.Maximum)}" : $"at most {Number(actual.Maximum)}";
    }

    private static string OtherProblem(ValidationError error)
    {
        var schema = error.Schema?.ActualSchema;
        return error.Kind switch
        {
            ValidationErrorKind.StringTooShort => $"must have at least {schema?.MinLength} characters",
            ValidationErrorKind.StringTooLong => $"must have at most {schema?.MaxLength} characters",
            ValidationErrorKind.PatternMismatch => $"must match the pattern {schema?.Pattern}",
            ValidationErrorKind.TooFewItems => $"must have at least {schema?.MinItems} items",
            ValidationErrorKind.TooManyItems => $"must have at most {schema?.MaxItems} items",
            ValidationErrorKind.ItemsNotUnique => "must not list the same item twice",
            ValidationErrorKind.NumberNotMultipleOf or ValidationErrorKind.IntegerNotMultipleOf => $"must be a multiple of {Number(schema?.MultipleOf)}",
            ValidationErrorKind.TooFewProperties => $"must have at least {schema?.MinProperties} keys",
            ValidationErrorKind.TooManyProperties => $"must have at most {schema?.MaxProperties} keys",
            ValidationErrorKind.ExcludedSchemaValidates => "is not allowed in this form",
            _ => "is not valid: " + InWords(error.Kind),
        };
    }

    /// <summary>"DateTimeExpected" becomes "date time expected".</summary>
    private static string InWords(ValidationErrorKind kind)
    {
        var name = kind.ToString();
        var words = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
                words.Append(' ');
            words.Append(char.ToLowerInvariant(c));
        }
        return words.ToString();
    }

    private static string FormatEnumValue(object? value) => value switch
    {
        null => "null",
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..37] + "...";
}
