using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Estimation;

/// <summary>Which normalisation a family uses, which decides the bytes a norm saves for backward.</summary>
public static class NormStyle
{
    /// <summary>The family file's layout_options.norm (every layout, not only the generic decoder, records it there).</summary>
    public static bool UsesRmsNorm(ModelArchitecture architecture) => architecture.Decoder.Norm == "rms";

    /// <summary>Norms per block, from the block's norm parameters (RMSNorm: h weights; LayerNorm: h weights + h biases).</summary>
    public static int NormsPerLayer(ModelStructure structure)
    {
        var perNorm = UsesRmsNorm(structure.Architecture) ? structure.Architecture.HiddenSize : 2L * structure.Architecture.HiddenSize;
        return (int)Math.Max(1, structure.LayerNormParameters / perNorm);
    }
}
