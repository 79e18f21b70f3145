using static TorchSharp.torch;

namespace LspFineTune.Trainer.Data;

/// <summary>
/// Turns examples into micro-batches. The order is a pure function of (seed, micro-batch index): every epoch is a
/// seeded shuffle, so a resumed run sees exactly the batches the uninterrupted run would have seen without any saved
/// data-loader state. With packing, examples are concatenated and cut into windows of sequence_length + 1 tokens.
/// </summary>
public sealed class Batcher
{
    public const long IgnoreIndex = -100;

    private readonly IReadOnlyList<TokenizedExample> _examples;
    private readonly int _microBatchSize;
    private readonly long _seed;
    private readonly int _padId;
    private readonly Dictionary<int, int[]> _orders = [];

    public Batcher(IReadOnlyList<TokenizedExample> examples, int microBatchSize, int sequenceLength, bool packing, long seed, int padId)
    {
        _examples = packing ? Pack(examples, sequenceLength + 1) : examples;
        _microBatchSize = microBatchSize;
        _seed = seed;
        _padId = padId;
    }

    public int ExampleCount => _examples.Count;

    public int BatchesPerEpoch => (_examples.Count + _microBatchSize - 1) / _microBatchSize;

    /// <summary>Input ids and labels (target token or -100) of global micro-batch <paramref name="index"/>, shape [batch, seq].</summary>
    public (Tensor Inputs, Tensor Labels, long TargetTokens) MicroBatch(long index)
    {
        var epoch = (int)(index / BatchesPerEpoch);
        var position = (int)(index % BatchesPerEpoch);
        var order = Order(epoch);
        var chosen = order.Skip(position * _microBatchSize).Take(_microBatchSize).Select(i => _examples[i]).ToList();
        return Collate(chosen, _padId);
    }

    /// <summary>Every example once, in file order, in batches (for evaluation).</summary>
    public IEnumerable<(Tensor Inputs, Tensor Labels, long TargetTokens)> InOrder()
    {
        for (var start = 0; start < _examples.Count; start += _microBatchSize)
            yield return Collate(_examples.Skip(start).Take(_microBatchSize).ToList(), _padId);
    }

    internal static (Tensor Inputs, Tensor Labels, long TargetTokens) Collate(IReadOnlyList<TokenizedExample> examples, int padId)
    {
        var length = examples.Max(e => e.Ids.Length) - 1;
        var inputs = new long[examples.Count * length];
        var labels = new long[examples.Count * length];
        long targets = 0;
        for (var row = 0; row < examples.Count; row++)
        {
            var example = examples[row];
            for (var t = 0; t < length; t++)
            {
                var offset = row * length + t;
                var hasNext = t + 1 < example.Ids.Length;
                inputs[offset] = t < example.Ids.Length ? example.Ids[t] : padId;
                // Position t predicts token t+1; padding and context-only tokens are ignored by the loss.
                labels[offset] = hasNext && example.IsTarget[t + 1] ? example.Ids[t + 1] : IgnoreIndex;
                if (labels[offset] != IgnoreIndex)
                    targets++;
            }
        }
        return (tensor(inputs, [examples.Count, length]), tensor(labels, [examples.Count, length]), targets);
    }

    private int[] Order(int epoch)
    {
        if (_orders.TryGetValue(epoch, out var cached))
            return cached;
        var order = Enumerable.Range(0, _examples.Count).ToArray();
        // Not HashCode.Combine: it is randomised per process, and a resumed run must shuffle identically.
        new Random(unchecked((int)(_seed * 1_000_003 + epoch * 7919))).Shuffle(order);
        _orders[epoch] = order;
        return order;
    }

    private static List<TokenizedExample> Pack(IReadOnlyList<TokenizedExample> examples, int window)
    {
        var ids = examples.SelectMany(e => e.Ids).ToArray();
        var targets = examples.SelectMany(e => e.IsTarget).ToArray();
        var packed = new List<TokenizedExample>();
        for (var start = 0; start + 2 <= ids.Length; start += window - 1)
        {
            var count = Math.Min(window, ids.Length - start);
            packed.Add(new TokenizedExample(ids[start..(start + count)], targets[start..(start + count)]));
        }
        return packed;
    }
}
