using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Estimation;

/// <summary>Which normalisation a family uses, which decides the bytes a norm saves for backward.</summary>
public static class NormStyle
{
    private static readonly HashSet<string> LayerNormFamilies =
        new(StringComparer.OrdinalIgnoreCase) { "gpt2", "opt", "gpt_neox", "falcon", "phi", "stablelm", "gptj", "bloom", "starcoder2" };

    public static bool UsesRmsNorm(ModelArchitecture architecture) =>
        architecture.Layout == "decoder" ? architecture.Decoder.Norm == "rms" : !LayerNormFamilies.Contains(architecture.ModelType);

    /// <summary>Norms per block, from the block's norm parameters (RMSNorm: h weights; LayerNorm: h weights + h biases).</summary>
    public static int NormsPerLayer(ModelStructure structure)
    {
        var perNorm = UsesRmsNorm(structure.Architecture) ? structure.Architecture.HiddenSize : 2L * structure.Architecture.HiddenSize;
        return (int)Math.Max(1, structure.LayerNormParameters / perNorm);
    }
}
