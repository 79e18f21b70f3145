namespace LspFineTune.Core.Planning;

/// <summary>
/// What the training step optimises. The preference and RL objectives change what a step holds and runs: a reference
/// model, two sequences per example, a classification head instead of the LM head, generated completions.
/// </summary>
public enum TrainingObjective
{
    /// <summary>Supervised fine-tuning: next-token loss on the completion (or the whole text).</summary>
    Sft,

    /// <summary>Continued pre-training: next-token loss on every token (LLaMA-Factory <c>stage: pt</c>); the step is SFT's.</summary>
    Pretrain,

    /// <summary>A pairwise loss against a frozen reference: DPO (sigmoid), IPO, hinge, robust, BCO pair, ... (TRL
    /// <c>DPOTrainer</c>, LLaMA-Factory <c>stage: dpo</c>, axolotl <c>rl: dpo|ipo</c>, torchtune <c>DPOLoss</c>).</summary>
    Dpo,

    /// <summary>A pairwise loss with no reference model: ORPO, SimPO, CPO (TRL <c>experimental.orpo|cpo</c>,
    /// LLaMA-Factory <c>pref_loss: orpo|simpo</c>, axolotl <c>rl: orpo|simpo</c>).</summary>
    Orpo,

    /// <summary>KTO: unpaired desirable/undesirable completions against a reference, with a KL estimate from mismatched pairs.</summary>
    Kto,

    /// <summary>A reward model: a sequence-classification head scores chosen and rejected (TRL <c>RewardTrainer</c>, LLaMA-Factory <c>stage: rm</c>).</summary>
    Reward,

    /// <summary>Group-relative policy optimisation (and RLOO): completions are generated every step, no value model.</summary>
    Grpo,

    /// <summary>PPO: generation, a frozen reward model, a value model and a reference policy besides the trained policy.</summary>
    Ppo,
}

/// <summary>Where the reference log-probabilities of a preference or RL objective come from.</summary>
public enum ReferenceSource
{
    /// <summary>The objective has no reference term (SFT, ORPO/SimPO/CPO, reward models, GRPO with beta 0).</summary>
    None,

    /// <summary>A frozen second copy of the base weights, forwarded without gradients every step.</summary>
    Copy,

    /// <summary>The policy is a PEFT adapter and the reference is its base with the adapter disabled: no extra weights,
    /// an extra no-grad forward.</summary>
    AdapterDisabled,

    /// <summary>Log-probabilities computed once before training (<c>precompute_ref_log_probs</c>): neither weights nor a forward per step.</summary>
    Precomputed,
}

/// <summary>Where a GRPO/PPO run generates its completions.</summary>
public enum GenerationEngine
{
    /// <summary>The policy's own <c>generate</c> (transformers), with a KV cache in the model dtype.</summary>
    Transformers,

    /// <summary>A vLLM engine in the training process (TRL <c>vllm_mode: colocate</c>): it reserves its share of the GPU.</summary>
    VllmColocate,

    /// <summary>A vLLM server on other GPUs (TRL <c>vllm_mode: server</c>): nothing on the training GPUs.</summary>
    VllmServer,
}

/// <summary>How a GRPO/PPO run generates completions.</summary>
public sealed record GenerationSettings
{
    /// <summary>Completions per prompt (TRL <c>num_generations</c>, default 8, grpo_config.py 474).</summary>
    public int NumGenerations { get; init; } = 8;

    /// <summary>Tokens generated per completion (TRL <c>max_completion_length</c>, 512; LLaMA-Factory <c>max_new_tokens</c>, 1024).</summary>
    public int MaxCompletionLength { get; init; } = 512;

    /// <summary>Prompt tokens per completion (the plan's sequence is prompt + completion).</summary>
    public int PromptLength { get; init; } = 512;

    /// <summary>
    /// Completions one GPU generates in one call: TRL generates a whole generation batch at once,
    /// per_device_train_batch_size x steps_per_generation (steps_per_generation defaults to the accumulation steps,
    /// grpo_config.py 511-525); LLaMA-Factory's PPO generates per mini-batch (per_device_train_batch_size).
    /// </summary>
    public int SequencesPerGpu { get; init; } = 8;

    public GenerationEngine Engine { get; init; } = GenerationEngine.Transformers;

    /// <summary>Fraction of the GPU's memory a colocated vLLM reserves for its weights and KV cache (TRL
    /// <c>vllm_gpu_memory_utilization</c>, default 0.3, grpo_config.py 154).</summary>
    public double VllmGpuMemoryUtilization { get; init; } = 0.3;

    /// <summary>TRL <c>vllm_enable_sleep_mode</c>: the colocated engine offloads its weights and drops its cache during the training step.</summary>
    public bool VllmSleepMode { get; init; }
}

/// <summary>
/// The training objective of the plan and what it brings besides the policy: the reference model, the pairs, the
/// generation. The estimator reads the small functions below, so each framework's rule (when a reference exists, how
/// many sequences a micro-batch forwards) is written once, here.
/// </summary>
public sealed record ObjectiveChoice
{
    public TrainingObjective Type { get; init; } = TrainingObjective.Sft;

    /// <summary>The framework's loss name when it says one (<c>sigmoid</c>, <c>ipo</c>, <c>simpo</c>, <c>dapo</c>): shown, not computed with.</summary>
    public string? Loss { get; init; }

    /// <summary>The KL / preference temperature (TRL <c>beta</c>, LLaMA-Factory <c>pref_beta</c>, axolotl <c>rl_beta</c>).
    /// GRPO's default 0 means no reference model (TRL grpo_trainer.py 955).</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary><c>precompute_ref_log_probs</c>: the reference is run once over the data set before training.</summary>
    public bool PrecomputeReferenceLogProbs { get; init; }

    /// <summary>A reference model named apart from the policy (LLaMA-Factory <c>ref_model</c>, TRL <c>ref_model</c>,
    /// torchtune's <c>ref_checkpointer</c>): loaded as a copy even when the policy is an adapter.</summary>
    public bool SeparateReferenceModel { get; init; }

    /// <summary>How the reference's block linears are stored when it is a copy: null as the policy's base (TRL passes
    /// the policy's quantization_config, dpo_trainer.py 900-908; LLaMA-Factory copies its model arguments), else
    /// LLaMA-Factory's <c>ref_model_quantization_bit</c>.</summary>
    public Quantization? ReferenceQuantization { get; init; }

    public GenerationSettings Generation { get; init; } = new();

    /// <summary>PPO: the reward model is a second frozen model (TRL/torchtune; LLaMA-Factory <c>reward_model_type: full</c>)
    /// rather than an adapter on the policy's base (LLaMA-Factory's default <c>reward_model_type: lora</c>).</summary>
    public bool RewardModelCopy { get; init; } = true;

    /// <summary>PPO: the value model is a second trained model (TRL's PPOTrainer, torchtune's <c>value_checkpointer</c>)
    /// rather than a value head on the policy (LLaMA-Factory's AutoModelForCausalLMWithValueHead: h + 1 weights).</summary>
    public bool ValueModelCopy { get; init; } = true;

    /// <summary>Outputs of a reward model's score head (<c>num_labels</c>, 1 for TRL's RewardTrainer, reward_trainer.py).</summary>
    public int NumLabels { get; init; } = 1;

    /// <summary>Whether the objective has a reference term at all (before asking where it comes from).</summary>
    public bool HasReferenceTerm => Type switch
    {
        TrainingObjective.Dpo or TrainingObjective.Kto or TrainingObjective.Ppo => true,
        // grpo_trainer.py 955-957: "If beta is 0.0, the reference model is not needed".
        TrainingObjective.Grpo => Beta != 0,
        _ => false,
    };

    /// <summary>
    /// Where the reference comes from for a policy trained by <paramref name="method"/>: precomputed log-probs need no
    /// model; an adapter's reference is its disabled base unless a separate model is named (TRL dpo_trainer.py 893-898,
    /// grpo_trainer.py 958-961; LLaMA-Factory trainer_utils.py create_ref_model: lora and no ref_model gives None);
    /// otherwise a copy.
    /// </summary>
    public ReferenceSource Reference(FineTuneMethod method)
    {
        if (!HasReferenceTerm)
            return ReferenceSource.None;
        if (PrecomputeReferenceLogProbs && Type is TrainingObjective.Dpo or TrainingObjective.Kto)
            return ReferenceSource.Precomputed;
        if (SeparateReferenceModel)
            return ReferenceSource.Copy;
        return method == FineTuneMethod.Lora ? ReferenceSource.AdapterDisabled : ReferenceSource.Copy;
    }

    /// <summary>
    /// Sequences the trained forward runs per example of the micro-batch: 2 for pairs, which TRL concatenates into one
    /// forward of [chosen; rejected] (dpo_trainer.py 355-358, the batch doubles), as LLaMA-Factory's
    /// concatenated_forward and the reward trainers do; 1 otherwise (KTO's KL sequences run without gradients,
    /// kto_trainer.py 1305). The activation and logits batch is the micro-batch times this.
    /// </summary>
    public int SequencesPerExample => Type is TrainingObjective.Dpo or TrainingObjective.Orpo or TrainingObjective.Reward ? 2 : 1;

    /// <summary>
    /// Forwards without gradients per step, in sequences per example of the micro-batch, besides the trained forward:
    /// the reference over the same sequences (DPO: chosen and rejected; KTO: the completion and its KL sequence), KTO's
    /// policy forward of the KL sequences (kto_trainer.py 1280-1305), PPO's reward model over the completion.
    /// </summary>
    public double NoGradForwardsPerExample(FineTuneMethod method)
    {
        var reference = Reference(method) is ReferenceSource.Copy or ReferenceSource.AdapterDisabled;
        return Type switch
        {
            TrainingObjective.Dpo => reference ? 2 : 0,
            TrainingObjective.Kto => 1 + (reference ? 2 : 0),
            TrainingObjective.Grpo => reference ? 1 : 0,
            TrainingObjective.Ppo => (reference ? 1 : 0) + 1,
            _ => 0,
        };
    }

    /// <summary>GRPO and PPO generate completions every step.</summary>
    public bool Generates => Type is TrainingObjective.Grpo or TrainingObjective.Ppo;

    /// <summary>A reward model replaces the LM head by a score head (hidden x num_labels): no b x s x V logits.</summary>
    public bool HasLanguageModelHead => Type != TrainingObjective.Reward;
}
