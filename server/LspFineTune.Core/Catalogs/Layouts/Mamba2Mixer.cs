namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The Mamba-2 mixer that Falcon-H1 (modeling_falcon_h1.py FalconH1Mixer) and Nemotron-H (modeling_nemotron_h.py
/// NemotronHMamba2Mixer) share, from transformers' Mamba2Mixer: <c>in_proj</c> (h -> 2 d_inner + 2 groups state + heads:
/// the gate z, the conv input x B C, and dt), a depthwise <c>conv1d</c> over d_inner + 2 groups state channels,
/// <c>dt_bias</c>, <c>A_log</c> and <c>D</c> per head, an optional gated RMSNorm over d_inner, and <c>out_proj</c>
/// (d_inner -> h).
/// </summary>
internal static class Mamba2Mixer
{
    /// <summary>The mixer's shape: d_inner (heads x head width), its heads, B/C groups and state width, the conv kernel.</summary>
    public readonly record struct Shape(int Inner, int Heads, int Groups, int State, int ConvKernel)
    {
        public int ConvChannels => Inner + 2 * Groups * State;
    }

    /// <summary>in_proj and out_proj under <paramref name="parent"/> (<c>mamba</c>, <c>mixer</c>), held by <paramref name="layers"/> blocks (0: all).</summary>
    public static IEnumerable<LinearModule> Linears(int h, Shape s, string parent, bool inBias, bool outBias, int layers)
    {
        yield return new LinearModule("in_proj", LinearRole.AttentionInput, h, s.Inner + s.ConvChannels + s.Heads, inBias) { ModulePath = $"{parent}.in_proj", Layers = layers };
        yield return new LinearModule("out_proj", LinearRole.AttentionOutput, s.Inner, h, outBias) { ModulePath = $"{parent}.out_proj", Layers = layers };
    }

    /// <summary>One mixer's other weights: the conv kernel (and its bias), dt_bias, A_log, D, and the gated norm when it has one.</summary>
    public static long OtherParameters(Shape s, bool convBias, bool gatedNorm) =>
        (long)s.ConvChannels * s.ConvKernel + (convBias ? s.ConvChannels : 0) + 3L * s.Heads + (gatedNorm ? s.Inner : 0);
}
