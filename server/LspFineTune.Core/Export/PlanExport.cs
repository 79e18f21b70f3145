namespace LspFineTune.Core.Export;

/// <summary>`lft export FILE --to TARGET`: the analysed plan written in another format.</summary>
public static class PlanExport
{
    public static ExportResult Export(ConfigAnalysis analysis, ExportTarget target, string outputPath)
    {
        if (analysis.Plan is not { } plan)
            return ExportResult.Refused("the config has no plan to export (its model or GPU is not known); `lft check` says why.");
        var source = new ExportSource(analysis, plan, outputPath);
        return target switch
        {
            ExportTarget.Native => NativeExport.Write(source),
            ExportTarget.Axolotl => AxolotlExport.Write(source),
            ExportTarget.DeepSpeed => DeepSpeedExport.Write(source),
            _ => AccelerateExport.Write(source),
        };
    }
}
