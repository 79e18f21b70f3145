using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// torchtune's own check (<c>tune validate</c>, torchtune/config/_validate.py 14-45): each top-level section with a
/// <c>_component_</c> must bind its other keys to that callable's signature (inspect.signature(...).bind), so an argument
/// the callable does not take is an error with its did-you-mean; a <c>torchtune.*</c> path that does not exist fails to
/// import (a warning with the closest path). Top-level keys are read by the recipe with <c>cfg.get</c> and anything else
/// is ignored, so a near-miss of a key some recipe reads is an error too.
/// </summary>
public static class TorchtuneValidation
{
    private static readonly string[] Dtypes = ["bf16", "fp32", "fp16", "fp64"];

    public static void Check(MappingNode root, TorchtuneComponents data, List<Diagnostic> diagnostics)
    {
        foreach (var property in root.Properties)
        {
            var key = property.Key.Value;
            if (property.Value is MappingNode section && section.Find("_component_") is { Value: ScalarNode { IsNull: false } path } component)
                CheckComponent(key, section, component, path.Value.Trim(), data, diagnostics);
            if (!data.TopLevelKeys.Contains(key) && DidYouMean.Suggest(key, data.TopLevelKeys) is { } suggestion)
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnknownKey,
                    $"Unknown key `{key}`: no torchtune recipe reads it, so as written this setting has no effect. Did you mean `{suggestion}`?",
                    property.Key.Range) with { Data = new Dictionary<string, string> { ["suggestion"] = suggestion } });
            }
        }
        if (root.Find("dtype")?.Value is ScalarNode { IsNull: false } dtype && !Dtypes.Contains(dtype.Value.Trim().ToLowerInvariant()))
        {
            var suggestion = DidYouMean.Suggest(dtype.Value.Trim(), Dtypes) ?? (dtype.Value.Contains("bfloat", StringComparison.OrdinalIgnoreCase) ? "bf16" : dtype.Value.Contains("32") ? "fp32" : null);
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.NotAllowedValue,
                $"`dtype: {dtype.Value}` is refused (training.get_dtype: \"Dtype must be one of fp16, bf16, fp32, fp64 for finetuning\").{(suggestion is null ? " Use bf16 or fp32." : $" Did you mean `{suggestion}`?")}",
                dtype.Range) with { Data = suggestion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["suggestion"] = suggestion } });
        }
    }

    private static void CheckComponent(string key, MappingNode section, PropertyNode component, string path, TorchtuneComponents data, List<Diagnostic> diagnostics)
    {
        var callable = data.Find(path);
        if (callable is null)
        {
            if (!path.StartsWith("torchtune.", StringComparison.Ordinal))
                return;
            var suggestion = data.SuggestPath(path);
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.NotAllowedValue,
                $"torchtune has no `{path}`, so instantiating `{key}` fails with an import error.{(suggestion is null ? "" : $" Did you mean `{suggestion}`?")}",
                component.Value.Range) with { Data = suggestion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["suggestion"] = suggestion } });
            return;
        }
        if (callable.Parameters is not { } parameters)
            return;
        var name = path.Split('.')[^1];
        if (!callable.TakesAnyKeyword)
        {
            foreach (var argument in section.Properties.Where(p => p.Key.Value is not "_component_" && parameters.All(q => q.Name != p.Key.Value)))
            {
                var suggestion = DidYouMean.Suggest(argument.Key.Value, parameters.Select(q => q.Name));
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnknownKey,
                    $"`{argument.Key.Value}` is not an argument of {name}: `tune validate` and the recipe fail with \"got an unexpected keyword argument\".{(suggestion is null ? $" It takes: {string.Join(", ", parameters.Select(q => q.Name))}." : $" Did you mean `{suggestion}`?")}",
                    argument.Key.Range) with { Data = suggestion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["suggestion"] = suggestion } });
            }
        }
        else
        {
            // **kwargs takes any name, so `tune validate` passes a near-miss of a named parameter; the named one keeps its
            // default (a dataset's extra keywords go on to Hugging Face load_dataset, which refuses unknown ones).
            foreach (var argument in section.Properties.Where(p => p.Key.Value is not "_component_" && parameters.All(q => q.Name != p.Key.Value)))
            {
                if (DidYouMean.Suggest(argument.Key.Value, parameters.Select(q => q.Name)) is { } suggestion)
                {
                    diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownKey,
                        $"`{argument.Key.Value}` is not a parameter of {name}: it goes to its **kwargs, and `{suggestion}` keeps its default. Did you mean `{suggestion}`?",
                        argument.Key.Range) with { Data = new Dictionary<string, string> { ["suggestion"] = suggestion } });
                }
            }
        }
        // The recipe instantiates the model with the config's arguments only (config.instantiate(cfg.model)).
        if (key == "model")
        {
            foreach (var missing in parameters.Where(q => q.Required && section.Find(q.Name) is null))
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                    $"{name} needs `{missing.Name}`: the recipe instantiates the model with this section's arguments only, so it fails with \"missing a required argument\". Add `{missing.Name}`{(missing.Name == "lora_attn_modules" ? " (such as ['q_proj', 'v_proj', 'output_proj'])" : "")}.",
                    component.Key.Range));
            }
        }
    }
}
