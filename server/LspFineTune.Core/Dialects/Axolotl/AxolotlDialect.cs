using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Dialects.Axolotl;

public sealed class AxolotlDialect : IConfigDialect
{
    public static AxolotlDialect Instance { get; } = new();

    public string Id => "axolotl";

    public string DisplayName => "Axolotl";

    public string Recognition => "";

    public string Upstream => "";

    public SchemaValidator? Schema => null;

    public SchemaDocumentation? Documentation => null;

    public IDialectVocabulary Vocabulary => Native.NativeVocabulary.Instance;

    public string? ClaimByContent(DocumentContext document) => null;

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => new() { Document = document };

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes) => [];

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) => [];
}
