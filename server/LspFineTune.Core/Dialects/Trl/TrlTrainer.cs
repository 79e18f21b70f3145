namespace LspFineTune.Core.Dialects.Trl;

/// <summary>The TRL trainers whose configs these files hold (<c>trl sft|dpo|grpo|kto|reward|rloo</c>; ORPO is the
/// alignment-handbook's own script over <c>trl.experimental.orpo</c>).</summary>
public enum TrlTrainer { Sft, Dpo, Grpo, Kto, Orpo, Reward, Rloo }

/// <summary>The trainer a file is for, and how that was decided (it is never in the file itself).</summary>
public sealed record TrlTrainerChoice(TrlTrainer Trainer, string Reason)
{
    public string Command => TrlTrainers.Name(Trainer);
}

/// <summary>
/// Infers the trainer, strongest first: the modeline's <c># lft: recipe=dpo</c> (the command a launch line would name:
/// <c>trl dpo --config FILE</c>), a folder or file-name word (alignment-handbook and open-r1 keep recipes in
/// <c>recipes/MODEL/dpo/config_*.yaml</c>), keys only one trainer has, else SFT (<c>trl sft</c>, the default recipe).
/// </summary>
public static class TrlTrainers
{
    public static string Name(TrlTrainer trainer) => trainer.ToString().ToLowerInvariant();

    public static TrlTrainer? Parse(string word) => word.Trim().ToLowerInvariant() switch
    {
        "sft" => TrlTrainer.Sft,
        "dpo" => TrlTrainer.Dpo,
        "grpo" => TrlTrainer.Grpo,
        "kto" => TrlTrainer.Kto,
        "orpo" => TrlTrainer.Orpo,
        "reward" => TrlTrainer.Reward,
        "rloo" => TrlTrainer.Rloo,
        _ => null,
    };

    /// <summary>Keys that only one trainer's config has (trl@f2cd577 <c>grpo_config.py</c>, <c>rloo_config.py</c>,
    /// <c>kto_config.py</c>, <c>dpo_config.py</c>, <c>sft_config.py</c>), checked in this order.</summary>
    private static readonly (string Key, TrlTrainer Trainer)[] Signatures =
    [
        ("reward_funcs", TrlTrainer.Grpo),
        ("num_generations", TrlTrainer.Grpo),
        ("use_vllm", TrlTrainer.Grpo),
        ("max_completion_length", TrlTrainer.Grpo),
        ("desirable_weight", TrlTrainer.Kto),
        ("undesirable_weight", TrlTrainer.Kto),
        ("precompute_ref_log_probs", TrlTrainer.Dpo),
        ("ref_model_init_kwargs", TrlTrainer.Dpo),
        ("rpo_alpha", TrlTrainer.Dpo),
        ("center_rewards_coefficient", TrlTrainer.Reward),
        ("packing", TrlTrainer.Sft),
        ("dataset_text_field", TrlTrainer.Sft),
        ("max_seq_length", TrlTrainer.Sft),
        ("completion_only_loss", TrlTrainer.Sft),
        ("assistant_only_loss", TrlTrainer.Sft),
    ];

    public static TrlTrainerChoice Infer(DocumentContext document)
    {
        if (document.Modeline.Recipe is { } recipe && Parse(recipe) is { } named)
            return new(named, $"the modeline says recipe={recipe} (trl {Name(named)})");
        if (document.Path is { } path && FromPath(path) is var (byPath, word))
            return new(byPath, $"the path names `{word}`");
        var keys = document.TopLevelKeys;
        foreach (var (key, trainer) in Signatures)
        {
            if (keys.Contains(key))
                return new(trainer, $"`{key}` is a {Name(trainer).ToUpperInvariant()} key");
        }
        // beta with a preference loss_type (sigmoid, ipo, apo_zero, ...) is DPO's; GRPO's beta comes with its own keys above.
        if (keys.Contains("beta") && (keys.Contains("loss_type") || keys.Contains("max_prompt_length")))
            return new(TrlTrainer.Dpo, "`beta` with `loss_type` or `max_prompt_length` is a DPO config");
        return new(TrlTrainer.Sft, "no path, modeline or key names another trainer, so SFT (`trl sft`)");
    }

    /// <summary>The last word of the path that names a trainer: a folder (<c>recipes/zephyr-7b-beta/dpo/</c>) or a
    /// part of the file name (<c>config_dpo_full.yaml</c>). Words are split at path separators and <c>_ - .</c>.</summary>
    private static (TrlTrainer, string)? FromPath(string path)
    {
        var words = path.Split(['/', '\\', '_', '-', '.'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = words.Length - 1; i >= 0; i--)
        {
            if (Parse(words[i]) is { } trainer)
                return (trainer, words[i]);
        }
        return null;
    }
}
