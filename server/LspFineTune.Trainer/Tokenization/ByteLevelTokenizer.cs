using System.Text;
using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Tokenization;

/// <summary>
/// One token per UTF-8 byte, id = <see cref="FirstByteId"/> + byte (ids below it are pad/BOS/EOS). Used when a model
/// folder has no tokenizer of its own, and by the models <c>lft-train init-model</c> creates.
/// Its tokenizer.json form is a Hugging Face byte-level BPE with no merges, so transformers loads it too.
/// </summary>
public sealed class ByteLevelTokenizer(int firstByteId = ByteLevelTokenizer.DefaultFirstByteId) : ITextTokenizer
{
    public const int DefaultFirstByteId = 3;

    public int FirstByteId { get; } = firstByteId;

    /// <summary>The smallest vocabulary that holds every byte.</summary>
    public int RequiredVocabSize => FirstByteId + 256;

    public string Description => $"byte-level (id = {FirstByteId} + byte)";

    public IReadOnlyList<int> Encode(string text) => Encoding.UTF8.GetBytes(text).Select(b => FirstByteId + b).ToArray();

    public string Decode(IEnumerable<int> ids) =>
        Encoding.UTF8.GetString(ids.Where(id => id >= FirstByteId && id < FirstByteId + 256).Select(id => (byte)(id - FirstByteId)).ToArray());

    /// <summary>GPT-2's printable stand-in character for each byte (what a byte-level BPE vocabulary is keyed by).</summary>
    internal static char[] ByteToUnicode()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    /// <summary>The Hugging Face tokenizer.json of this tokenizer (pad 0, BOS 1, EOS 2 when FirstByteId is 3).</summary>
    public string ToTokenizerJson(int padId, int bosId, int eosId)
    {
        var vocab = new JsonObject { ["<pad>"] = padId, ["<s>"] = bosId, ["</s>"] = eosId };
        var chars = ByteToUnicode();
        for (var b = 0; b < 256; b++)
            vocab[chars[b].ToString()] = FirstByteId + b;
        JsonObject Special(int id, string content) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Special(padId, "<pad>"), Special(bosId, "<s>"), Special(eosId, "</s>")),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Recognises a byte-level BPE tokenizer.json without merges whose 256 byte symbols map to consecutive ids, and
    /// returns the tokenizer for it; null for any other tokenizer.json.
    /// </summary>
    internal static ByteLevelTokenizer? FromTokenizerJson(JsonObject json)
    {
        if (json["model"] is not JsonObject model || model["type"]?.GetValue<string>() != "BPE")
            return null;
        if (model["merges"] is not JsonArray { Count: 0 } || model["vocab"] is not JsonObject vocab)
            return null;
        if (json["pre_tokenizer"]?["type"]?.GetValue<string>() != "ByteLevel")
            return null;
        var chars = ByteToUnicode();
        var first = vocab[chars[0].ToString()]?.GetValue<int>();
        if (first is null)
            return null;
        for (var b = 1; b < 256; b++)
        {
            if (vocab[chars[b].ToString()]?.GetValue<int>() != first + b)
                return null;
        }
        return new ByteLevelTokenizer(first.Value);
    }
}
