using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>One module PEFT trains in full beside the adapters: its name and the weights of its trainable copy.</summary>
public sealed record SavedModule(string Name, long Rows, long Columns, bool IsOutputHead)
{
    public long Parameters => Rows * Columns;
}

/// <summary>
/// PEFT's <c>modules_to_save</c>: each named module is wrapped in a ModulesToSaveWrapper that keeps the original
/// (frozen) module and a deep copy that is trained (peft utils/other.py <c>ModulesToSaveWrapper.update</c>:
/// <c>copy.deepcopy(self.original_module)</c>, <c>requires_grad_(True)</c>). So the copy's weights are extra memory
/// besides the base, and it has gradients and optimizer states like a fully trained module; activations are those of
/// the module it replaces. A tied head is a separate copy once wrapped (deepcopy unties it), so embed_tokens and lm_head
/// of a tied model are two copies of V x h; a name matching neither the embedding nor the head (a norm, a score head)
/// is small beside them and is counted only for the score head of a reward model.
/// </summary>
public static class SavedModules
{
    /// <summary>Hugging Face names of the input embedding (Llama/Qwen/Mistral, GPT-2, GPT-NeoX, Bloom/Falcon, torchtune).</summary>
    private static readonly string[] EmbeddingNames = ["embed_tokens", "wte", "embed_in", "word_embeddings", "tok_embeddings"];

    /// <summary>Names of the output head (lm_head; GPT-NeoX embed_out; torchtune output).</summary>
    private static readonly string[] HeadNames = ["lm_head", "embed_out", "output"];

    public static IReadOnlyList<SavedModule> Match(TrainingPlan plan)
    {
        if (plan.Method.Type != FineTuneMethod.Lora || plan.Method.Lora.ModulesToSave.Count == 0)
            return [];
        var arch = plan.Model.Architecture;
        long vocab = arch.VocabSize, hidden = arch.HiddenSize;
        var modules = new List<SavedModule>();
        foreach (var name in plan.Method.Lora.ModulesToSave.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct())
        {
            var last = name.Split('.')[^1];
            if (EmbeddingNames.Contains(last))
                modules.Add(new SavedModule(name, vocab, hidden, IsOutputHead: false));
            else if (HeadNames.Contains(last))
                modules.Add(plan.Objective.HasLanguageModelHead
                    ? new SavedModule(name, vocab, hidden, IsOutputHead: true)
                    : new SavedModule(name, plan.Objective.NumLabels, hidden, IsOutputHead: true));
            else if (last == "score" && !plan.Objective.HasLanguageModelHead)
                modules.Add(new SavedModule(name, plan.Objective.NumLabels, hidden, IsOutputHead: true));
        }
        return modules;
    }

    /// <summary>
    /// Bytes per element of a trainable copy and of its gradient: the copy is made from the loaded module, so it is in
    /// the model dtype (PEFT's autocast_adapter_dtype casts only the LoRA layers, tuners_utils.py _cast_adapter_dtype),
    /// unless the framework upcasts every trainable parameter: LLaMA-Factory does for LoRA unless pure_bf16, BAdam or
    /// ZeRO-3 on a 16-bit base (model/adapter.py 310-312, 337-350), recorded as <see cref="LoraSettings.SavedModulesFp32"/>.
    /// </summary>
    public static int ElementBytes(TrainingPlan plan) =>
        plan.Method.Lora.SavedModulesFp32 && !Precision.IsPure(plan) ? 4 : Precision.StorageBytes(plan);

    /// <summary>
    /// Bytes per optimizer-state element of a copy: torch's optimizers allocate states like the parameter
    /// (<c>torch.zeros_like(p)</c> in AdamW), so a 16-bit copy under the Hugging Face Trainer keeps 16-bit moments;
    /// DeepSpeed's optimizers keep fp32 states for every trainable parameter (stage_1_and_2.py's fp32 partitions, bf16_optimizer.py).
    /// </summary>
    public static int StateElementBytes(TrainingPlan plan) =>
        plan.DeepSpeed.Engine == ShardingEngine.DeepSpeed && plan.Model.Dtype != WeightDtype.Fp32 ? 4 : ElementBytes(plan);
}
