namespace LspFineTune.Core.Catalogs;

/// <summary>
/// A vision-language model's vision tower as its config.json <c>vision_config</c> describes it (key names in the
/// comments), plus the text width its projector maps into. Only what decides parameters and image-token counts.
/// </summary>
public sealed record VisionTowerConfig
{
    /// <summary>hidden_size (Qwen2-VL: embed_dim).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>intermediate_size (Qwen2-VL: mlp_ratio x embed_dim).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>num_hidden_layers (Qwen-VL: depth).</summary>
    public required int Layers { get; init; }

    public required int PatchSize { get; init; }

    /// <summary>image_size: the square input the tower's position embeddings are sized for; null for dynamic-resolution towers.</summary>
    public int? ImageSize { get; init; }

    /// <summary>num_channels (Qwen: in_channels).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Qwen2-VL's temporal_patch_size (frames per patch); 1 elsewhere.</summary>
    public int TemporalPatchSize { get; init; } = 1;

    /// <summary>Qwen's spatial_merge_size: patches merged per side before the projector; 1 elsewhere.</summary>
    public int SpatialMergeSize { get; init; } = 1;

    /// <summary>The width the projector writes (out_hidden_size, else the text hidden_size).</summary>
    public required int OutputSize { get; init; }

    /// <summary>num_position_embeddings where the tower stores a learned table of that many rows (Qwen3-VL).</summary>
    public int? PositionEmbeddings { get; init; }

    /// <summary>The tower builder (family file layout_options.vision_tower): vit (CLIP/SigLIP style), or one a family adds.</summary>
    public string Tower { get; init; } = "vit";

    /// <summary>Every number of vision_config by key, for tower builders that need more (depth of a merger, deepstack layers, ...).</summary>
    public ConfigNumbers Extra { get; init; } = ConfigNumbers.Empty;
}
