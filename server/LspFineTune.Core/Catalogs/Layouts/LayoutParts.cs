namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>The pieces layout builders share: norm sizes, embeddings, head and the usual attention and MLP linears.</summary>
public static class LayoutParts
{
    /// <summary>RMSNorm has a weight only.</summary>
    public static long RmsNorm(int h) => h;

    /// <summary>LayerNorm has a weight and a bias.</summary>
    public static long LayerNorm(int h) => 2L * h;

    public static long Embedding(ModelArchitecture a) => (long)a.VocabSize * a.HiddenSize;

    public static long UntiedHead(ModelArchitecture a) => a.TieWordEmbeddings ? 0 : Embedding(a);

    public static int QueryWidth(ModelArchitecture a) => a.NumAttentionHeads * a.HeadDimension;

    public static int KeyValueWidth(ModelArchitecture a) => a.KeyValueHeads * a.HeadDimension;

    /// <summary>Separate q/k/v/o projections (llama and most families) with HF module paths under <paramref name="parent"/>.</summary>
    public static IEnumerable<LinearModule> SeparateAttention(
        ModelArchitecture a, string parent, string outputName, bool qkvBias, bool outputBias)
    {
        int h = a.HiddenSize;
        yield return new LinearModule("q_proj", LinearRole.AttentionInput, h, QueryWidth(a), qkvBias) { ModulePath = $"{parent}.q_proj" };
        yield return new LinearModule("k_proj", LinearRole.AttentionInput, h, KeyValueWidth(a), qkvBias) { ModulePath = $"{parent}.k_proj" };
        yield return new LinearModule("v_proj", LinearRole.AttentionInput, h, KeyValueWidth(a), qkvBias) { ModulePath = $"{parent}.v_proj" };
        yield return new LinearModule(outputName, LinearRole.AttentionOutput, QueryWidth(a), h, outputBias) { ModulePath = $"{parent}.{outputName}" };
    }

    /// <summary>SwiGLU / GeGLU MLP: gate_proj and up_proj (h -> ffn), down_proj (ffn -> h).</summary>
    public static IEnumerable<LinearModule> GatedMlp(ModelArchitecture a, bool bias) =>
        Mlp(a.HiddenSize, a.IntermediateSize, "mlp", ["gate_proj", "up_proj", "down_proj"], bias, layers: 0);

    /// <summary>An MLP of width <paramref name="ffn"/> with the given names: three (gate, up, down) or two (up, down).</summary>
    public static IEnumerable<LinearModule> Mlp(int h, int ffn, string parent, IReadOnlyList<string> names, bool bias, int layers, int copies = 1, int active = 1)
    {
        var inputs = names.Count == 3 ? 2 : 1;
        for (var i = 0; i < inputs; i++)
            yield return new LinearModule(names[i], LinearRole.MlpInput, h, ffn, bias, copies, active) { ModulePath = $"{parent}.{names[i]}", Layers = layers };
        yield return new LinearModule(names[^1], LinearRole.MlpOutput, ffn, h, bias, copies, active) { ModulePath = $"{parent}.{names[^1]}", Layers = layers };
    }

    /// <summary>
    /// A config.json number a hybrid builder needs (<see cref="ModelArchitecture.Extra"/>); the family file's
    /// config_defaults supply the config class's default when config.json omits it.
    /// </summary>
    public static int Config(ModelArchitecture a, string key) =>
        a.Extra.Int(key) ?? throw new ArgumentException($"{a.ModelType}: config.json lacks {key} and its family file gives no default", nameof(a));

    /// <summary>A config.json boolean a hybrid builder needs (see <see cref="Config"/>).</summary>
    public static bool Flag(ModelArchitecture a, string key) => Config(a, key) != 0;

    /// <summary>
    /// The shell most hybrid builders share: two RMSNorms per block (h each), the token embedding, a final RMSNorm, an
    /// untied head unless tie_word_embeddings, gated MLPs, and the vision tower of a vision-language config.
    /// </summary>
    public static ModelStructure RmsNormedModel(ModelArchitecture a, IReadOnlyList<LinearModule> linears, long otherBlockParameters) => new()
    {
        Architecture = a,
        LayerLinears = linears,
        LayerNormParameters = 2L * a.HiddenSize,
        OtherBlockParameters = otherBlockParameters,
        EmbeddingParameters = Embedding(a),
        FinalNormParameters = a.HiddenSize,
        LmHeadParameters = UntiedHead(a),
        GatedMlp = true,
        VisionParameters = a.Vision is { } vision ? ModelLayouts.VisionTower(vision, a) : 0,
    };
}
