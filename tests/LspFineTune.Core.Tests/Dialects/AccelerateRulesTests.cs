using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Realistic mistakes in an accelerate config on its own: each is reported on its line, as accelerate treats it.</summary>
public class AccelerateRulesTests
{
    private const string Base = "compute_environment: LOCAL_MACHINE\ndistributed_type: FSDP\nmixed_precision: bf16\nnum_machines: 1\nnum_processes: 8\n";

    private static ConfigAnalysis Analyze(string text)
    {
        using var files = new DialectTestFiles();
        files.Write("launch.yaml", text);
        return files.Analyze("launch.yaml");
    }

    private static Diagnostic On(ConfigAnalysis analysis, int line, string code) =>
        Assert.Single(analysis.Diagnostics, d => d.Code == code && d.Range.Start.Line == line);

    [Fact]
    public void A_clean_file_is_recognised_and_has_nothing_to_say()
    {
        var analysis = Analyze(Base + "fsdp_config:\n  fsdp_version: 2\n  fsdp_reshard_after_forward: true\n");
        Assert.Equal("accelerate", analysis.Dialect?.Id);
        Assert.Empty(analysis.Diagnostics);
        Assert.Null(analysis.Plan);
    }

    [Fact]
    public void A_misspelt_top_level_key_is_refused_with_its_did_you_mean()
    {
        var analysis = Analyze(Base.Replace("num_machines", "num_machine"));
        var error = On(analysis, 3, DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("Did you mean `num_machines`?", error.Message);
        Assert.Contains("refuses", error.Message);
        Assert.Equal("num_machines", Assert.Single(error.Fixes).Edits[0].Edits[0].NewText);
    }

    [Fact]
    public void A_misspelt_plugin_key_is_an_error_with_its_did_you_mean_and_an_unknown_one_a_warning()
    {
        var analysis = Analyze(Base + "fsdp_config:\n  fsdp_verison: 2\n  fsdp_offload_param: true\n  my_own_note: x\n");
        var version = On(analysis, 6, DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, version.Severity);
        Assert.Contains("Did you mean `fsdp_version`?", version.Message);
        Assert.Equal("fsdp_version", Assert.Single(version.Fixes).Edits[0].Edits[0].NewText);
        Assert.Contains("Did you mean `fsdp_offload_params`?", On(analysis, 7, DiagnosticCodes.UnknownKey).Message);
        Assert.Equal(DiagnosticSeverity.Warning, On(analysis, 8, DiagnosticCodes.UnknownKey).Severity);
    }

    [Fact]
    public void A_wrong_mixed_precision_value_is_refused_with_its_did_you_mean()
    {
        var error = On(Analyze(Base.Replace("mixed_precision: bf16", "mixed_precision: bf61")), 2, DiagnosticCodes.NotAllowedValue);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("bf16", error.Message);
    }

    [Fact]
    public void Processes_that_do_not_divide_over_the_machines_are_a_warning()
    {
        var warning = On(Analyze(Base.Replace("num_machines: 1", "num_machines: 3")), 4, DiagnosticCodes.FrameworkWarns);
        Assert.Contains("8 // 3 = 2", warning.Message);
    }

    [Fact]
    public void A_plain_NO_is_read_as_false_by_PyYAML_and_a_plain_no_precision_stops_the_launch()
    {
        var analysis = Analyze("distributed_type: NO\nmixed_precision: no\nnum_machines: 1\n");
        var type = On(analysis, 0, DiagnosticCodes.FrameworkWarns);
        Assert.Contains("num_processes", type.Message);
        Assert.Equal("'NO'", Assert.Single(type.Fixes).Edits[0].Edits[0].NewText);
        Assert.Equal(DiagnosticSeverity.Error, On(analysis, 1, DiagnosticCodes.FrameworkRefuses).Severity);
    }

    [Fact]
    public void FSDP2_refuses_a_strategy_name_in_reshard_after_forward_and_ignores_the_strategy()
    {
        var analysis = Analyze(Base + "fsdp_config:\n  fsdp_version: 2\n  fsdp_reshard_after_forward: FULL_SHARD\n  fsdp_sharding_strategy: SHARD_GRAD_OP\n  fsdp_forward_prefetch: true\n");
        Assert.Contains("not supported with FSDP2", On(analysis, 7, DiagnosticCodes.FrameworkRefuses).Message);
        Assert.Contains("does not read", On(analysis, 8, DiagnosticCodes.FrameworkWarns).Message);
        Assert.Contains("forward prefetch", On(analysis, 9, DiagnosticCodes.FrameworkWarns).Message);
    }

    [Fact]
    public void Efficient_loading_without_synced_module_states_is_refused_by_the_launcher()
    {
        var analysis = Analyze(Base + "fsdp_config:\n  fsdp_cpu_ram_efficient_loading: true\n  fsdp_sync_module_states: false\n");
        Assert.Contains("fsdp_sync_module_states", On(analysis, 7, DiagnosticCodes.FrameworkRefuses).Message);
    }

    [Fact]
    public void Parallelism_sizes_must_multiply_to_the_processes_and_need_FSDP2()
    {
        const string parallel = "parallelism_config:\n  parallelism_config_dp_shard_size: 2\n  parallelism_config_tp_size: 2\n";
        var mismatch = Analyze(Base + "fsdp_config:\n  fsdp_version: 2\n" + parallel);
        Assert.Contains("product (4) is not `num_processes` (8)", On(mismatch, 7, DiagnosticCodes.FrameworkRefuses).Message);
        var v1 = Analyze(Base.Replace("num_processes: 8", "num_processes: 4") + parallel);
        Assert.Contains("FSDP1", On(v1, 5, DiagnosticCodes.FrameworkRefuses).Message);
    }

    [Fact]
    public void DeepSpeed_settings_beside_its_config_file_are_refused()
    {
        var analysis = Analyze("distributed_type: DEEPSPEED\ndeepspeed_config:\n  deepspeed_config_file: not-here-zero.json\n  offload_optimizer_device: cpu\n  zero3_init_flag: true\nnum_processes: 2\n");
        Assert.Contains("beside `deepspeed_config_file`", On(analysis, 3, DiagnosticCodes.FrameworkRefuses).Message);
        // zero3_init_flag is read with a file; the file not being found is only a warning when the file is alone.
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Range.Start.Line == 4);
        Assert.Equal(DiagnosticSeverity.Warning, On(analysis, 2, DiagnosticCodes.CompanionFileUnreadable).Severity);
    }

    [Fact]
    public void A_trainer_config_with_distributed_type_is_not_claimed_as_accelerate()
    {
        var analysis = Analyze("base_model: meta-llama/Llama-3.2-1B\nsequence_len: 512\ndistributed_type: FSDP\nnum_processes: 2\n");
        Assert.Equal("axolotl", analysis.Dialect?.Id);
    }
}
