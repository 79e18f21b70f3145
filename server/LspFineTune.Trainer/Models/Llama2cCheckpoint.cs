using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// Reads Karpathy's legacy llama2.c checkpoint (<c>.bin</c>): seven little-endian int32 (dim, hidden_dim, n_layers,
/// n_heads, n_kv_heads, vocab_size, max_seq_len; a negative vocab_size means an untied classifier follows), then fp32
/// arrays stacked over layers: token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, two legacy
/// RoPE tables (skipped), and the classifier when untied. llama2.c rotates interleaved pairs, so the model uses
/// <see cref="RopeStyle.Interleaved"/> and the q/k weights are taken as they are.
/// </summary>
public static class Llama2cCheckpoint
{
    /// <param name="path">The .bin file.</param>
    /// <param name="halfSplitRope">
    /// True: permute the q/k rows so the model uses Hugging Face's half-split RoPE (what transformers' conversion script
    /// does), for saving as a Hugging Face folder. False: keep llama2.c's layout and rotate interleaved pairs.
    /// </param>
    public static LlamaForCausalLM Load(string path, bool halfSplitRope = false)
    {
        var bytes = Files.TrainerFiles.ReadAllBytes(path, Files.FileRole.Weights);
        if (bytes.Length < 28)
            throw new TrainerException($"{path}: too short for a llama2.c checkpoint header (28 bytes).");
        var header = new int[7];
        Buffer.BlockCopy(bytes, 0, header, 0, 28);
        var (dim, hidden, layers, heads, kvHeads, vocabSigned, maxSeq) = (header[0], header[1], header[2], header[3], header[4], header[5], header[6]);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || maxSeq <= 0 || dim % heads != 0 || heads % kvHeads != 0)
            throw new TrainerException($"{path}: implausible llama2.c header (dim {dim}, hidden {hidden}, layers {layers}, heads {heads}, kv heads {kvHeads}, max seq {maxSeq}).");
        var tied = vocabSigned > 0;
        var vocab = Math.Abs(vocabSigned);
        var config = new LlamaConfig
        {
            HiddenSize = dim,
            IntermediateSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            VocabSize = vocab,
            MaxPositionEmbeddings = maxSeq,
            TieWordEmbeddings = tied,
            RopeStyle = halfSplitRope ? RopeStyle.HalfSplit : RopeStyle.Interleaved,
            RmsNormEps = 1e-5,
        };
        var headSize = dim / heads;
        var kvDim = dim * kvHeads / heads;
        var reader = new FloatReader(bytes, 28, path);
        var weights = new Dictionary<string, Tensor>();
        try
        {
            weights["model.embed_tokens.weight"] = reader.Next(vocab, dim);
            void PerLayer(string suffix, params long[] shape)
            {
                for (var i = 0; i < layers; i++)
                    weights[$"model.layers.{i}.{suffix}"] = reader.Next(shape);
            }
            PerLayer("input_layernorm.weight", dim);
            PerLayer("self_attn.q_proj.weight", dim, dim);
            PerLayer("self_attn.k_proj.weight", kvDim, dim);
            PerLayer("self_attn.v_proj.weight", kvDim, dim);
            PerLayer("self_attn.o_proj.weight", dim, dim);
            PerLayer("post_attention_layernorm.weight", dim);
            PerLayer("mlp.gate_proj.weight", hidden, dim);
            PerLayer("mlp.down_proj.weight", dim, hidden);
            PerLayer("mlp.up_proj.weight", hidden, dim);
            weights["model.norm.weight"] = reader.Next(dim);
            if (halfSplitRope)
            {
                for (var i = 0; i < layers; i++)
                {
                    PermuteToHalfSplit(weights, $"model.layers.{i}.self_attn.q_proj.weight", heads);
                    PermuteToHalfSplit(weights, $"model.layers.{i}.self_attn.k_proj.weight", kvHeads);
                }
            }
            reader.Skip((long)maxSeq * headSize / 2 * 2);
            if (!tied)
                weights["lm_head.weight"] = reader.Next(vocab, dim);
            var model = new LlamaForCausalLM(config);
            StrictWeightAssigner.Assign(model, weights, path);
            return model;
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
    }

    /// <summary>
    /// Reorders each head's output rows from interleaved pairs (0,1),(2,3).. to halves (i, i + d/2): row 2j goes to j
    /// and row 2j+1 to j + d/2, so half-split rotation of the new rows equals interleaved rotation of the old ones.
    /// </summary>
    private static void PermuteToHalfSplit(Dictionary<string, Tensor> weights, string name, int heads)
    {
        var weight = weights[name];
        var (rows, columns) = (weight.shape[0], weight.shape[1]);
        weights[name] = weight.view(heads, rows / heads / 2, 2, columns).transpose(1, 2).reshape(rows, columns).contiguous();
        weight.Dispose();
    }

    /// <summary>Walks the fp32 arrays in order, with a clear error when the file ends early.</summary>
    private sealed class FloatReader(byte[] bytes, long offset, string path)
    {
        private long _offset = offset;

        public Tensor Next(params long[] shape)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var byteCount = count * sizeof(float);
            if (_offset + byteCount > bytes.Length)
                throw new TrainerException($"{path}: the llama2.c checkpoint ends at byte {bytes.Length}, before its weights do (truncated file?).");
            var values = new float[count];
            Buffer.BlockCopy(bytes, (int)_offset, values, 0, (int)byteCount);
            _offset += byteCount;
            return tensor(values, shape);
        }

        public void Skip(long floats) => _offset += floats * sizeof(float);
    }
}
