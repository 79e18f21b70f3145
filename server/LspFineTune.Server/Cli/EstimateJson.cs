using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Server.Cli;

/// <summary>`lft estimate --json`, the shape CONFIG.md fixes; breakdown values add up to peak_bytes_per_gpu.</summary>
public static class EstimateJson
{
    public static JsonObject Build(string file, ConfigAnalysis analysis)
    {
        var json = new JsonObject
        {
            ["file"] = file,
            ["dialect"] = analysis.Dialect?.Id,
            ["dialect_reason"] = analysis.Match?.Reason,
            ["files"] = JsonOutput.Files(file, analysis),
        };
        if (analysis.Estimate is { } estimate)
        {
            var plan = estimate.Plan;
            var memory = estimate.Memory;
            var runtime = estimate.Runtime;
            json["model"] = new JsonObject
            {
                ["id"] = plan.Model.Id,
                ["parameters"] = estimate.Parameters.BaseParameters,
                ["trainable_parameters"] = estimate.Parameters.TrainableParameters,
                ["source"] = plan.Model.Origin?.Kind.ToString(),
                ["source_detail"] = plan.Model.Origin?.Describe(),
                ["stored_quantization"] = plan.Model.Stored?.Name,
            };
            json["hardware"] = new JsonObject
            {
                ["gpu"] = plan.Hardware.Gpu.Id,
                ["gpus"] = plan.Hardware.TotalGpus,
                ["usable_bytes_per_gpu"] = memory.UsableBytes,
                ["gpus_per_node"] = plan.Hardware.GpusPerNode,
                ["nodes"] = plan.Hardware.Nodes,
                ["source"] = analysis.Provenance.Of(Core.Dialects.PlanField.Gpu).OriginName,
            };
            json["memory"] = new JsonObject
            {
                ["peak_bytes_per_gpu"] = memory.PeakBytes,
                // What each tool reports: torch.cuda.max_memory_allocated, max_memory_reserved, nvidia-smi (= the peak).
                ["allocated_bytes_per_gpu"] = memory.AllocatedBytes,
                ["reserved_bytes_per_gpu"] = memory.ReservedBytes,
                ["range_bytes_per_gpu"] = new JsonArray(memory.AllocatedBytes, memory.PeakBytes),
                ["fits"] = memory.Fits,
                ["breakdown"] = new JsonObject(memory.Terms.Select(t => KeyValuePair.Create(t.Name, (JsonNode?)t.Bytes))),
                ["cpu_offload_bytes"] = memory.OffloadedBytesPerNode,
                ["paged_optimizer_bytes_per_gpu"] = memory.PagedBytes,
                ["terms"] = new JsonArray(memory.Terms.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.Name,
                    ["bytes"] = t.Bytes,
                    ["formula"] = t.Formula,
                    ["source"] = t.Source,
                }).ToArray()),
            };
            json["runtime"] = new JsonObject
            {
                ["step_seconds"] = runtime.StepSeconds,
                ["tokens_per_second"] = runtime.TokensPerSecond,
                ["total_seconds"] = runtime.TotalSeconds,
                ["total_steps"] = runtime.TotalSteps,
                ["flops_per_token"] = runtime.FlopsPerToken,
                ["utilisation_prior"] = runtime.UtilisationPrior,
                ["terms"] = new JsonArray(runtime.Terms.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.Name,
                    ["seconds"] = t.Seconds,
                    ["formula"] = t.Formula,
                }).ToArray()),
            };
        }
        json["diagnostics"] = JsonOutput.Diagnostics(analysis.Diagnostics);
        return json;
    }
}
