namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// Other frameworks' names for TRL's keys, which people carry over when they move a run to TRL: an unknown key among
/// them gets TRL's own name as its did-you-mean (only plain renames: the fix keeps the value), whatever the edit distance says (<c>lora_rank</c> is one edit nearer
/// to <c>local_rank</c> than to <c>lora_r</c>).
/// </summary>
public static class TrlSpellings
{
    public static readonly IReadOnlyDictionary<string, (string TrlKey, string Whose)> FromOtherFrameworks = new Dictionary<string, (string, string)>
    {
        ["lora_rank"] = ("lora_r", "LLaMA-Factory's and torchtune's name for the LoRA rank"),
        ["micro_batch_size"] = ("per_device_train_batch_size", "axolotl's name for the per-GPU batch"),
        ["batch_size"] = ("per_device_train_batch_size", "torchtune's name for the per-GPU batch"),
        ["sequence_len"] = ("max_length", "axolotl's name for the sequence length"),
        ["cutoff_len"] = ("max_length", "LLaMA-Factory's name for the sequence length"),
        ["max_seq_len"] = ("max_length", "torchtune's name for the sequence length"),
        ["num_epochs"] = ("num_train_epochs", "axolotl's name for the epochs"),
        ["epochs"] = ("num_train_epochs", "torchtune's name for the epochs"),
        ["optimizer"] = ("optim", "axolotl's name for the optimizer"),
        ["lr_scheduler"] = ("lr_scheduler_type", "axolotl's name for the scheduler"),
    };
}
