using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Native;

/// <summary>Findings about native sections that the chosen method or optimizer ignores: a <c>method.lora</c>
/// section under full fine-tuning, <c>optimizer.adarankgrad</c> under adamw, and so on.</summary>
internal static class NativeRules
{
    public static void Add(ConfigSyntaxTree tree, TrainingPlan plan, List<Diagnostic> findings)
    {
        void Warn(string code, string message, string path) =>
            findings.Add(Diagnostic.Warning(code, message, tree.FindProperty(path)?.Key.Range ?? tree.RangeOf(path)));

        if (!plan.Method.UsesLora && tree.FindProperty("method.lora") is not null)
            Warn(DiagnosticCodes.LoraKeysWithoutLora, $"`method.lora` is ignored because `method.type` is {plan.Method.Type.ToConfigName()}. Set `type: lora` or remove the section.", "method.lora");
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && tree.FindProperty("method.zeroth_order") is not null)
            Warn(DiagnosticCodes.ZerothOrderKeysWithoutZerothOrder, $"`method.zeroth_order` is ignored because `method.type` is {plan.Method.Type.ToConfigName()}. Set `type: zeroth_order` or remove the section.", "method.zeroth_order");
        if (plan.Optimizer.Type != OptimizerType.AdaRankGrad && tree.FindProperty("optimizer.adarankgrad") is not null)
            Warn(DiagnosticCodes.AdaRankGradKeysWithoutAdaRankGrad, $"`optimizer.adarankgrad` is ignored because `optimizer.type` is {plan.Optimizer.Type.ToConfigName()}. Set `type: adarankgrad` or remove the section.", "optimizer.adarankgrad");
    }
}
