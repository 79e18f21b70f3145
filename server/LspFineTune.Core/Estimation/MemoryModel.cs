using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Per-GPU peak memory of one training step, as a sum of named terms taken at the moment of the peak.
/// Without checkpointing the peak is the start of backward: all activations are saved and the loss is being
/// differentiated. With checkpointing it is either that moment (checkpoints + logits) or the recomputation of
/// a block in backward (checkpoints + one block), whichever is larger; the breakdown shows the larger one.
/// </summary>
public static class MemoryModel
{
    public static MemoryEstimate Estimate(TrainingPlan plan) => Estimate(plan, new ParameterBudget(plan));

    public static MemoryEstimate Estimate(TrainingPlan plan, ParameterBudget budget)
    {
        var states = new ModelStateMemory(plan, budget);
        // Activations and logits at the longest micro-batch (an unpacked batch is padded only to its longest example);
        // preference pairs run chosen and rejected in one forward, so they see the doubled batch.
        var forward = ObjectiveMemory.ForwardPlan(SequenceShape.AtPeak(plan));
        var activations = new ActivationMemory(forward, budget);
        string logitsFormula;
        var logits = plan.Objective.HasLanguageModelHead ? LogitsMemory.Bytes(forward, out logitsFormula) : ObjectiveMemory.ScoreHeadBytes(forward, out logitsFormula);
        var gather = ZeroBuffers.Zero3GatherBytes(plan, budget, out var gatherFormula);
        var communication = ZeroBuffers.CommunicationBytes(plan, budget, out var communicationFormula);
        var autocastCopies = AutocastCopies.Bytes(plan, budget, out var autocastFormula);

        var activationBytes = activations.Bytes;
        var activationFormula = activations.Formula;
        if (ActivationMemory.CheckpointedBlocks(plan, budget.Structure.Layers) > 0)
        {
            var oneBlock = activations.Bytes - activations.ResidentBytes;
            if (logits >= oneBlock)
            {
                // Peak at the loss: no block is being recomputed yet.
                activationBytes = activations.ResidentBytes;
                activationFormula = activations.StoredBlockBytes > 0 || plan.Savers.Offload != ActivationOffload.None || ParallelDegrees.Context(plan) > 1
                    ? activations.Formula.Replace(" + one block + final norm and head input", "") + " at the loss, before any block is recomputed"
                    : "b s L Bh (checkpointed block inputs; the peak is at the loss, before any block is recomputed)";
            }
            else
            {
                // Peak while a block is recomputed: the loss buffers are gone by then.
                logits = 0;
                logitsFormula = "freed before the peak (a recomputed block in backward is larger)";
            }
        }

        var objective = new ObjectiveMemory(plan, budget, activationBytes + logits);
        if (objective.PeakIsGeneration)
        {
            // GRPO/PPO: generating the completions needs more than the step; its activations and logits are not alive then.
            activationBytes = 0;
            activationFormula = "freed before the peak (generation's KV cache is larger)";
            logits = 0;
            logitsFormula = "freed before the peak (generation's KV cache is larger)";
        }

        // SensZOQ in the bundled trainer: choosing the mask is a gradient pass, larger than the forward-only steps.
        var sensitivityFormula = "";
        var sensitivityPass = SensitivityPassMemory.Applies(plan) ? SensitivityPassMemory.Bytes(plan, budget, out sensitivityFormula) : 0;
        if (sensitivityPass > activationBytes + logits)
        {
            activationBytes = 0;
            activationFormula = "freed before the peak (choosing SensZOQ's mask before training is larger)";
            logits = 0;
            logitsFormula = activationFormula;
        }
        else
        {
            sensitivityPass = 0;
        }

        // Gradients and the activation peak are not alive together when nothing keeps the gradients between steps: the
        // Trainer, torchtune and FSDP free them after every optimizer step (zero_grad(set_to_none=True)), so with one
        // micro-batch per step backward allocates them as it frees the activations; the peak is the larger end of backward.
        var gradientBytes = states.GradientBytes;
        var gradientFormula = (ModelStateMemory.StepsInBackward(plan, budget) ? "the largest trained tensor's gradient (optimizer step in backward frees each one)" : $"{budget.TrainableParameters:N0} trainable x grad bytes") + TensorParallelText(plan) + (plan.DeepSpeed.ZeroStage >= 2 ? " / N" : "");
        if (GradientsFreedBetweenSteps(plan, budget) && gradientBytes > 0)
        {
            if (activationBytes + logits + autocastCopies >= gradientBytes)
            {
                gradientBytes = 0;
                gradientFormula = "none at the peak: freed after each step (zero_grad set_to_none) and allocated during backward as the activations are freed";
            }
            else
            {
                activationBytes = 0;
                activationFormula = "freed before the peak (the end of backward, with every gradient allocated, is larger)";
                logits = 0;
                logitsFormula = activationFormula;
                autocastCopies = 0;
                autocastFormula = activationFormula;
            }
        }

        // bitsandbytes' paged optimizers allocate their states with cudaMallocManaged (bitsandbytes functional.py
        // get_paged): outside PyTorch's allocator, so max_memory_allocated never sees them, and evicted to host memory by
        // the driver when the GPU fills, so they cannot cause an out-of-memory error. They are outside the peak.
        var optimizerStateBytes = states.OptimizerStateBytes;
        var pagedBytes = 0.0;
        if (plan.Optimizer.Paged && !Precision.KeepsMasterWeights(plan))
            (pagedBytes, optimizerStateBytes) = (optimizerStateBytes, 0);

        var drivenByBatch = new[] { PlanField.MicroBatchSize, PlanField.SequenceLength };
        var zero = new[] { PlanField.ZeroStage, PlanField.GpusPerNode, PlanField.Nodes };
        var terms = new List<MemoryTerm>
        {
            new(MemoryTermNames.Weights, Round(states.WeightBytes), WeightsFormula(plan, budget),
                "ZeRO paper §3.1 (2 B/param in 16-bit); QLoRA §2 (NF4 + double quantization); PEFT adapters in fp32")
            { DrivenBy = [PlanField.Dtype, PlanField.Quantization, .. zero] },
            new(MemoryTermNames.Gradients, Round(gradientBytes), gradientFormula,
                "ZeRO paper §3.1; ZeRO-2 partitions gradients")
            { DrivenBy = [PlanField.Method, .. zero] },
            new(MemoryTermNames.OptimizerStates, Round(optimizerStateBytes), OptimizerStatesFormula(plan, pagedBytes),
                "ZeRO paper K = 12; bitsandbytes 8-bit; Adafactor; GaLore Table 1")
            { DrivenBy = [PlanField.Optimizer, PlanField.Method, PlanField.OffloadOptimizer, .. zero] },
            new(MemoryTermNames.OptimizerStepBuffers, Round(states.StepBufferBytes), "4 B fp32 gradient copy per trained parameter" + (plan.DeepSpeed.ZeroStage >= 1 ? " / N" : ""),
                "DeepSpeed ZeRO-2 estimator: 18 = 2 + 4 (fp32 grads) + 4 + 8")
            { DrivenBy = [PlanField.Method, PlanField.OffloadOptimizer, .. zero] },
            new(MemoryTermNames.AutocastWeightCopies, Round(autocastCopies), autocastFormula,
                "torch.autocast cached_cast (aten/src/ATen/autocast_mode.cpp): the 16-bit cast of each fp32 weight, saved by its matmul")
            { DrivenBy = [PlanField.Dtype, PlanField.GradientCheckpointing] },
            new(MemoryTermNames.Activations, Round(activationBytes), activationFormula,
                "Korthikanti et al. 2022 §4.1, re-derived per op for HF blocks")
            { DrivenBy = [.. drivenByBatch, PlanField.GradientCheckpointing, PlanField.Attention, PlanField.ActivationOffload] },
            new(MemoryTermNames.LogitsAndLoss, Round(logits), logitsFormula,
                plan.Savers.Loss == LossKernel.Standard ? "HF ForCausalLMLoss fp32 upcast; NeMo Automodel#2336" : "the loss kernel's source (torchtune, axolotl, TRL, Liger, cut-cross-entropy), LogitsMemory")
            { DrivenBy = [.. drivenByBatch, PlanField.LossKernel] },
            new(MemoryTermNames.Zero3GatherBuffers, Round(gather), gatherFormula,
                "DeepSpeed ZeRO-3 estimator (4 x largest layer) + stage3_prefetch_bucket_size")
            { DrivenBy = [PlanField.ZeroStage] },
            new(MemoryTermNames.CommunicationBuffers, Round(communication), communicationFormula,
                "DeepSpeed bucket defaults; EleutherAI cookbook calc_transformer_mem.py")
            { DrivenBy = [PlanField.ZeroStage] },
        };
        terms.InsertRange(terms.FindIndex(t => t.Name == MemoryTermNames.Zero3GatherBuffers), objective.Terms);
        if (sensitivityPass > 0)
        {
            terms.Insert(terms.FindIndex(t => t.Name == MemoryTermNames.Zero3GatherBuffers), new MemoryTerm(MemoryTermNames.SensitivityPass, Round(sensitivityPass), sensitivityFormula,
                "SensZOQ (Guo et al. 2024) §3: the mask from summed squared gradients; lft-train SensitiveSubset")
            { DrivenBy = [.. drivenByBatch, PlanField.Method] });
        }
        var tensorBytes = terms.Sum(t => (double)t.Bytes);
        var overhead = OverheadMemory.Bytes(plan, tensorBytes, out var overheadFormula);
        terms.AddRange(objective.ReservedTerms);
        terms.Add(new MemoryTerm(MemoryTermNames.Overhead, Round(overhead), overheadFormula,
            "gpu_poor (CUDA context); Megatron-LM theoretical_memory_usage.py (5%)"));

        var offloadTarget = plan.DeepSpeed.OffloadParams != OffloadTarget.None && plan.DeepSpeed.ZeroStage == 3
            ? plan.DeepSpeed.OffloadParams
            : plan.DeepSpeed.ZeroStage >= 1 ? plan.DeepSpeed.OffloadOptimizer : OffloadTarget.None;
        // Activation offloading pins its copies in host RAM.
        if (offloadTarget == OffloadTarget.None && activations.OffloadedBytes > 0)
            offloadTarget = OffloadTarget.Cpu;
        return new MemoryEstimate
        {
            Terms = terms,
            ContextBytes = Round(OverheadMemory.ContextBytes(plan)),
            PagedBytes = Round(pagedBytes),
            FragmentationBytes = Round(overhead - OverheadMemory.ContextBytes(plan)),
            UsableBytes = plan.Hardware.Gpu.UsableMemoryBytes,
            OffloadedBytesPerNode = Round((states.OffloadedBytes + activations.OffloadedBytes) * plan.Hardware.GpusPerNode),
            OffloadTarget = offloadTarget,
            ActivationParts = activations.LayerParts,
        };
    }

    /// <summary>
    /// Whether the gradients are freed between steps and so absent at the start of backward: one micro-batch per step
    /// (accumulation keeps them from the previous micro-batch), no DeepSpeed (its ZeRO optimizers keep gradient partition
    /// buffers allocated), and not freed per tensor already (optimizer step in backward).
    /// </summary>
    private static bool GradientsFreedBetweenSteps(TrainingPlan plan, ParameterBudget budget) =>
        plan.Training.GradientAccumulationSteps == 1 && plan.DeepSpeed.Engine != ShardingEngine.DeepSpeed
        && !ModelStateMemory.StepsInBackward(plan, budget);

    private static string OptimizerStatesFormula(TrainingPlan plan, double pagedBytes)
    {
        var optimizer = plan.Optimizer.Type.ToConfigName();
        if (pagedBytes > 0)
            return $"{ByteSizes.Format(Round(pagedBytes))} of paged {optimizer} states in CUDA unified memory: outside PyTorch's allocator, and evicted to host memory when the GPU fills";
        var dtype = Precision.IsPure(plan) ? $" in {Precision.StorageDtype(plan).ToConfigName()} (pure 16-bit)"
            : plan.Method.Type == FineTuneMethod.Full && Precision.TrainedWeightBytes(plan) == 4 && plan.Model.Dtype != WeightDtype.Fp32 ? " in fp32 (trained weights in fp32 under autocast)"
            : "";
        return $"{optimizer} states{dtype}" + (Precision.KeepsMasterWeights(plan) ? " + fp32 master weights" : "") + TensorParallelText(plan) + (plan.DeepSpeed.ZeroStage >= 1 ? " / N" : "");
    }

    private static string WeightsFormula(TrainingPlan plan, ParameterBudget budget)
    {
        var text = Precision.FrozenBlockStorage(plan) is { } frozen
            ? $"{budget.BlockLinearWeights:N0} block weights x {frozen.Bytes:0.###} B ({frozen.Name}) + {budget.BaseParameters - budget.BlockLinearWeights:N0} others x {Precision.StorageBytes(plan)} B"
            : plan.Method.Type == FineTuneMethod.Full && Precision.TrainedWeightBytes(plan) != Precision.StorageBytes(plan)
                ? $"{budget.TrainableParameters:N0} trained x {Precision.TrainedWeightBytes(plan)} B (upcast to fp32) + {budget.BaseParameters - budget.TrainableParameters:N0} frozen x {Precision.StorageBytes(plan)} B"
                : $"{budget.BaseParameters:N0} x {Precision.StorageBytes(plan)} B";
        if (budget.AdapterParameters > 0)
            text += $" + {budget.AdapterParameters:N0} adapter x {Precision.AdapterElementBytes(plan)} B";
        if (budget.SavedModuleParameters > 0)
            text += $" + {budget.SavedModuleParameters:N0} modules_to_save copy ({string.Join(", ", budget.SavedModules.Select(m => m.Name))}) x {SavedModules.ElementBytes(plan)} B";
        text += TensorParallelText(plan);
        if (plan.DeepSpeed.ZeroStage == 3)
            text += " / N";
        return text;
    }

    private static string TensorParallelText(TrainingPlan plan) =>
        ParallelDegrees.Tensor(plan) > 1 ? $" / {ParallelDegrees.Tensor(plan)} (tensor parallel)" : "";

    private static long Round(double bytes) => ByteSizes.ToBytes(bytes);
}
