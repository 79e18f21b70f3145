namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Voxtral (transformers modeling_voxtral.py VoxtralForConditionalGeneration): a Llama text decoder
/// (language_model, built by <see cref="DecoderLayout"/>) fed by a Whisper-style audio encoder (audio_tower) through
/// a two-layer multi_modal_projector. The audio encoder: conv1 (num_mel_bins -> d, kernel 3, biased), conv2 (d -> d,
/// kernel 3, biased), a learned embed_positions table of max_source_positions x d, then blocks of self_attn_layer_norm
/// and final_layer_norm (LayerNorm), q/v/out_proj with bias and k_proj without, and a GeLU MLP fc1/fc2 with biases;
/// a final layer_norm. The projector: linear_1 (the encoder's intermediate_size -> text hidden; four frames of d are
/// stacked into one, hence that width) and linear_2 (text hidden -> text hidden), both bias-free.
/// The audio side is counted where a vision tower's weights go (<see cref="ModelStructure.VisionParameters"/>): a
/// side tower stored and, in full fine-tuning, trained, that LoRA leaves frozen. Its activations are not modelled
/// (the estimate's activations are the text decoder's), as for the vision towers.
/// </summary>
internal static class VoxtralLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        var structure = DecoderLayout.Build(a);
        return structure with { VisionParameters = structure.VisionParameters + AudioTower(a) };
    }

    /// <summary>The audio encoder and the projector, from the config.json audio_config (read as dotted keys).</summary>
    public static long AudioTower(ModelArchitecture a)
    {
        long d = Audio(a, "hidden_size");
        long f = Audio(a, "intermediate_size");
        long layers = Audio(a, "num_hidden_layers");
        long mels = Audio(a, "num_mel_bins");
        long positions = Audio(a, "max_source_positions");
        long t = a.HiddenSize;

        long stem = (mels * d * 3 + d) + (d * d * 3 + d) + positions * d;
        long attention = 4 * d * d + 3 * d;
        long mlp = (d * f + f) + (f * d + d);
        long block = attention + mlp + 2 * LayoutParts.LayerNorm((int)d);
        long encoder = stem + layers * block + LayoutParts.LayerNorm((int)d);
        long projector = f * t + t * t;
        return encoder + projector;
    }

    private static long Audio(ModelArchitecture a, string key) =>
        a.Extra.Int($"audio_config.{key}") ?? throw new InvalidDataException($"voxtral: config.json audio_config lacks {key}");
}
