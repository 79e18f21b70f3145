namespace LspFineTune.Trainer.Data;

/// <summary>
/// Token ids of one example and, per token, whether the model is trained to predict it. Prompt tokens (and BOS) are
/// context only, so a prompt/completion example is learned on its completion alone.
/// </summary>
public sealed record TokenizedExample(int[] Ids, bool[] IsTarget)
{
    public int TargetCount => IsTarget.Count(t => t);
}
