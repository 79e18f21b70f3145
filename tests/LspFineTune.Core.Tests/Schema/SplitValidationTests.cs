using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Schema;

/// <summary>
/// The validator checks each top-level value on its own and remembers the ones that were clean: the results must be
/// those of validating the whole document, whatever was validated before (the corpus baselines pin them file by file).
/// </summary>
public class SplitValidationTests
{
    private static readonly Core.Schema.SchemaValidator Axolotl = Core.Dialects.Axolotl.AxolotlDialect.Instance.Schema!;

    private static IReadOnlyList<Diagnostic> Validate(string text) => Axolotl.Validate(ConfigParser.Parse(text));

    [Fact]
    public void A_value_that_was_clean_before_is_still_checked_when_it_changes()
    {
        const string config = "base_model: m\nsequence_len: 2048\nlearning_rate: 0.0002\nlora_r: 16\n";
        Assert.Empty(Validate(config));
        Assert.Empty(Validate(config));
        var bad = Assert.Single(Validate(config.Replace("lora_r: 16", "lora_r: -1")));
        Assert.Equal((DiagnosticCodes.OutOfRange, 3), (bad.Code, bad.Range.Start.Line));
        Assert.Empty(Validate(config));
    }

    [Fact]
    public void Unknown_and_missing_keys_are_reported_at_the_root_as_before()
    {
        var diagnostics = Validate("base_model: m\nsequence_len: 2048\nmicro_batchsize: 2\n");
        var unknown = Assert.Single(diagnostics, d => d.Code == DiagnosticCodes.UnknownKey);
        Assert.Equal(("micro_batch_size", 2), (unknown.Data["suggestion"], unknown.Range.Start.Line));
        var missing = Assert.Single(diagnostics, d => d.Code == DiagnosticCodes.MissingRequiredKey);
        Assert.Contains("`learning_rate`", missing.Message);
    }

    [Fact]
    public void Pattern_properties_of_the_root_are_still_applied()
    {
        // DeepSpeed JSON allows "_comment"-style keys through a root patternProperties.
        var deepSpeed = Core.Dialects.DeepSpeed.DeepSpeedDialect.Instance.Schema!;
        Assert.Empty(deepSpeed.Validate(ConfigParser.Parse("{\"_comment\": \"note\", \"zero_optimization\": {\"stage\": 2}}", DocumentFormat.Json)));
        Assert.Single(deepSpeed.Validate(ConfigParser.Parse("{\"zero_optimisation\": {\"stage\": 2}}", DocumentFormat.Json)), d => d.Code == DiagnosticCodes.UnknownKey);
    }
}
