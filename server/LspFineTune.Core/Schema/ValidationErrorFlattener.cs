using NJsonSchema;
using Newtonsoft.Json.Linq;
using NJsonSchema.Validation;

namespace LspFineTune.Core.Schema;

/// <summary>
/// NJsonSchema reports an anyOf/oneOf failure as one parent error holding every branch's errors. Reporting them all
/// would tell the user the value is wrong in each of the ways it could have been right; this keeps the errors of the
/// branch the value came closest to, and for other nested errors (array items, allOf) the child errors themselves.
/// </summary>
internal static class ValidationErrorFlattener
{
    public static List<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        var flat = new List<ValidationError>();
        Flatten(errors, flat);
        return RemoveErrorsHiddenByTypeErrors(flat);
    }

    public static bool IsTypeError(ValidationErrorKind kind) => kind is ValidationErrorKind.StringExpected
        or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected or ValidationErrorKind.BooleanExpected
        or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected or ValidationErrorKind.NullExpected
        or ValidationErrorKind.NoTypeValidates;

    /// <summary>True for an anyOf/oneOf error where every branch wants another type: it is reported as one type error.</summary>
    public static bool IsTypeMismatchOfEveryBranch(ChildSchemaValidationError error) =>
        error.Errors.Count > 0 && error.Errors.Values.All(branch => branch.Any(e => IsTypeError(e.Kind) && ReferenceEquals(e.Token, error.Token)));

    private static void Flatten(IEnumerable<ValidationError> errors, List<ValidationError> output)
    {
        foreach (var error in errors)
        {
            // A type list (`"type": ["integer", "null"]`) fails with the errors of each type: -1 against a minimum of 1
            // is out of range as an integer, not of the wrong type, so the errors of the value's own type are the news.
            if (error is MultiTypeValidationError multiType && multiType.Errors.Values.FirstOrDefault(e => e.Count > 0 && !e.Any(x => IsTypeError(x.Kind))) is { } ownType)
                Flatten(ownType, output);
            else if (error is not ChildSchemaValidationError parent)
                output.Add(error);
            else if (error.Kind is ValidationErrorKind.NotAnyOf or ValidationErrorKind.NotOneOf)
                FlattenAlternatives(parent, output);
            else
            {
                foreach (var branch in parent.Errors.Values)
                    Flatten(branch, output);
            }
        }
    }

    private static void FlattenAlternatives(ChildSchemaValidationError parent, List<ValidationError> output)
    {
        // A oneOf branch without errors means the value matched several branches: nothing more specific to say.
        if (parent.Errors.Count == 0 || parent.Errors.Values.Any(branch => branch.Count == 0) || IsTypeMismatchOfEveryBranch(parent))
        {
            output.Add(parent);
            return;
        }
        // Among the branches of the value's type, the one with the fewest errors is what the user meant.
        List<ValidationError>? closest = null;
        var enumerations = new List<ValidationError>();
        var onlyEnumerations = true;
        foreach (var branch in parent.Errors.Values)
        {
            if (branch.Any(e => IsTypeError(e.Kind) && ReferenceEquals(e.Token, parent.Token)))
                continue;
            var flat = new List<ValidationError>();
            Flatten(branch, flat);
            if (flat is [{ Kind: ValidationErrorKind.NotInEnumeration, Schema: not null } only] && ReferenceEquals(only.Token, parent.Token))
                enumerations.Add(only);
            else
                onlyEnumerations = false;
            if (closest is null || flat.Count < closest.Count)
                closest = flat;
        }
        // Several enums for one value (accelerate's distributed_type: the SageMaker values, the cluster values, false):
        // the value is allowed by any of them, so the error names all their values, the longest list first.
        if (onlyEnumerations && enumerations.Count > 1)
            output.Add(UnionOf(enumerations));
        else
            output.AddRange(closest!);
    }

    private static ValidationError UnionOf(List<ValidationError> enumerations)
    {
        var union = new JsonSchema();
        foreach (var value in enumerations.OrderByDescending(e => e.Schema!.ActualSchema.Enumeration.Count).SelectMany(e => e.Schema!.ActualSchema.Enumeration).Distinct())
            union.Enumeration.Add(value);
        var first = enumerations[0];
        return new ValidationError(ValidationErrorKind.NotInEnumeration, first.Property, first.Path, first.Token, union);
    }

    /// <summary>A value of the wrong type also fails its enum and range checks; only the type error is news.</summary>
    private static List<ValidationError> RemoveErrorsHiddenByTypeErrors(List<ValidationError> errors)
    {
        HashSet<JToken>? wrongType = null;
        foreach (var error in errors)
        {
            if (error.Token is not null && (IsTypeError(error.Kind) || error is ChildSchemaValidationError { Kind: ValidationErrorKind.NotAnyOf or ValidationErrorKind.NotOneOf }))
                (wrongType ??= new HashSet<JToken>(ReferenceEqualityComparer.Instance)).Add(error.Token);
        }
        if (wrongType is null)
            return errors;
        return errors.FindAll(error => IsTypeError(error.Kind) || error is ChildSchemaValidationError || error.Token is null || !wrongType.Contains(error.Token));
    }
}
