using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// A decoder-only language model with Hugging Face parameter names: ids [batch, seq] to logits [batch, seq, vocab].
/// LoRA adapters, when asked for, are part of the construction (TorchSharp cannot swap submodules afterwards).
/// </summary>
public abstract class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
    protected CausalLanguageModel(string name, CausalLmConfig config, LoraSpec? lora) : base(name)
    {
        Config = config;
        Lora = lora;
    }

    // Not overridden with a narrower type in subclasses: TorchSharp's Module.to() reflects over members by name, and a
    // covariant override would show up twice.
    public CausalLmConfig Config { get; }

    public LoraSpec? Lora { get; }

    /// <summary>Re-run each block in the backward pass instead of keeping its activations.</summary>
    public abstract bool GradientCheckpointing { get; set; }

    public abstract AttentionImplementation Attention { set; }

    /// <summary>PEFT's fan_in_fan_out: true where the projections store weights as [in, out] (GPT-2's Conv1D).</summary>
    public virtual bool LoraFanInFanOut => false;

    /// <summary>
    /// Names a checkpoint may hold that are not weights of this model and carry nothing (a tied head's copy, causal-mask
    /// buffers); strict loading accepts and ignores them, and nothing else.
    /// </summary>
    public virtual bool IsIgnorableWeight(string name) => Config.TieWordEmbeddings && name == "lm_head.weight";

    /// <summary>The projections that carry LoRA adapters, with their module paths (model.layers.0.self_attn.q_proj).</summary>
    internal IEnumerable<(string Path, AdaptableLinear Linear)> AdaptedLinears() =>
        named_modules().Where(m => m.module is AdaptableLinear { HasLora: true }).Select(m => (m.name, (AdaptableLinear)m.module));

    /// <summary>Folds every LoRA adapter into its base weight.</summary>
    public void MergeLora()
    {
        foreach (var (_, linear) in AdaptedLinears())
            linear.MergeLora();
    }

    /// <summary>Puts every NF4-held projection back into full precision (before the trained model is saved).</summary>
    public void DequantizeFrozen()
    {
        foreach (var linear in named_modules().Select(m => m.module).OfType<AdaptableLinear>())
            linear.Dequantize();
    }

    /// <summary>Base weights by Hugging Face name (no adapter parameters).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> BaseParameters() =>
        named_parameters().Where(p => !IsAdapterName(p.name)).Select(p => (p.name, p.parameter));

    /// <summary>LoRA parameters by model name (model.layers.0.self_attn.q_proj.lora_A.weight).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> AdapterParameters() =>
        named_parameters().Where(p => IsAdapterName(p.name)).Select(p => (p.name, p.parameter));

    internal static bool IsAdapterName(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    /// <summary>Builds the model a config.json describes, with fresh weights.</summary>
    public static CausalLanguageModel Create(CausalLmConfig config, LoraSpec? lora) => config switch
    {
        LlamaConfig llama => new LlamaForCausalLM(llama, lora),
        Gpt2Config gpt2 => new Gpt2LMHeadModel(gpt2, lora),
        _ => throw new TrainerException($"model_type {config.ModelType} has no implementation in lft-train."),
    };
}
