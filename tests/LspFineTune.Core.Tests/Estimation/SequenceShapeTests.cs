using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Dialects;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>Packing versus padding to the longest example of each micro-batch.</summary>
public class SequenceShapeTests
{
    [Fact]
    public void The_expected_longest_of_a_batch_follows_the_order_statistics_of_the_lengths()
    {
        // Four equally likely lengths, batches of 2: P(max = x_i) = (i/4)^2 - ((i-1)/4)^2 = 1/16, 3/16, 5/16, 7/16,
        // so E[max] = (100 + 600 + 1500 + 2800) / 16 = 312.5; cut at 250 tokens: (100 + 600 + 250 x 12) / 16 = 231.25.
        var lengths = LengthProfile.FromLengths([400, 100, 300, 200], "test")!;
        Assert.Equal(312.5, lengths.ExpectedLongestOf(2, double.PositiveInfinity), 9);
        Assert.Equal(231.25, lengths.ExpectedLongestOf(2, 250), 9);
        Assert.Equal(250, lengths.ExpectedLongestOf(1, double.PositiveInfinity), 9);
        Assert.Equal(400, lengths.Longest);
    }

    [Fact]
    public void A_stated_longest_and_mean_keep_both()
    {
        var stated = LengthProfile.Stated(1000, 300, "modeline");
        Assert.Equal(1000, stated.Longest);
        Assert.InRange(stated.Mean, 297, 303);
    }

    private static TrainingPlan Unpacked(LengthProfile? lengths, bool packing = false, bool pad = false) =>
        TestPlans.Catalog("llama-3.1-8b").WithTraining(4, 4096) is var plan
            ? plan with { Training = plan.Training with { Packing = packing, PadToSequenceLength = pad }, Data = plan.Data with { Lengths = lengths } }
            : throw new InvalidOperationException();

    [Fact]
    public void An_unpacked_batch_peaks_at_the_longest_example_and_costs_its_expected_longest()
    {
        var lengths = LengthProfile.FromLengths(Enumerable.Range(1, 1000).Select(i => (double)i), "test")!;
        var full = Estimate.For(Unpacked(null));
        var padded = Estimate.For(Unpacked(lengths));
        // Activations and logits scale with the tokens of the peak batch: 4 x 1,000 instead of 4 x 4,096 (the attention
        // of sdpa is linear in s, so the ratio is exact for both terms).
        Assert.Equal(1000.0 / 4096, padded.Memory.Term(MemoryTermNames.LogitsAndLoss) / (double)full.Memory.Term(MemoryTermNames.LogitsAndLoss), 3);
        Assert.Equal(1000.0 / 4096, padded.Memory.Term(MemoryTermNames.Activations) / (double)full.Memory.Term(MemoryTermNames.Activations), 2);
        // A step pads 4 examples to the longest of 4 uniform draws, E[max] = 4/5 of 1,000 (+ 1/5 for the discrete 1..1000).
        Assert.InRange(padded.Runtime.TokensPerStep / 4, 799, 802);
    }

    [Fact]
    public void Packed_or_sequence_padded_batches_are_always_full()
    {
        var lengths = LengthProfile.FromLengths([100, 200], "test")!;
        var full = Estimate.For(Unpacked(null)).Memory.PeakBytes;
        Assert.Equal(full, Estimate.For(Unpacked(lengths, packing: true)).Memory.PeakBytes);
        Assert.Equal(full, Estimate.For(Unpacked(lengths, pad: true)).Memory.PeakBytes);
    }

    [Fact]
    public void The_modeline_states_the_lengths_of_data_that_is_not_at_hand()
    {
        const string config = "base_model: meta-llama/Llama-3.1-8B\nsequence_len: 4096\nmicro_batch_size: 2\nadapter: lora\nlora_r: 16\nlora_target_linear: true\nbf16: true\ndatasets:\n  - path: my-org/private-data\n    type: alpaca\n";
        using var files = new DialectTestFiles();
        files.Write("a.yml", config);
        files.Write("b.yml", "# lft: longest_tokens=1024 mean_tokens=300\n" + config);
        var assumed = files.Analyze("a.yml").Estimate!;
        var stated = files.Analyze("b.yml").Estimate!;
        Assert.Equal(1024.0 / 4096, stated.Memory.Term(MemoryTermNames.LogitsAndLoss) / (double)assumed.Memory.Term(MemoryTermNames.LogitsAndLoss), 3);
        Assert.True(stated.Runtime.StepSeconds < assumed.Runtime.StepSeconds / 2);
    }
}

/// <summary>Datasets named by configs whose lengths the catalog knows (LLaMA-Factory's shipped demo data).</summary>
public class KnownDatasetLengthTests
{
    [Fact]
    public void LLaMA_Factorys_demo_datasets_give_the_lengths_and_a_mixture_weighs_by_examples()
    {
        var known = Core.Catalogs.KnownDatasets.Default;
        // alpaca_en_demo.json: 999 examples, the longest 2,921 characters of instruction, input and output = 730.25
        // tokens at 4 characters each, + 32 template tokens = 762.2; identity.json: 91 examples, at most 65 tokens.
        var alpaca = known.Lengths(["alpaca_en_demo"])!;
        Assert.Equal(762.2, alpaca.Longest, 1);
        var mixture = known.Lengths(["identity", "alpaca_en_demo"])!;
        Assert.Equal(762.2, mixture.Longest, 1);
        // 91 of 1,090 examples are identity's short ones, so the mixture's mean is below alpaca's.
        Assert.InRange(mixture.Mean, 0.9 * alpaca.Mean, 0.97 * alpaca.Mean);
        Assert.Null(known.Lengths(["identity", "my_private_data"]));
    }

    [Theory]
    [InlineData("lf.yaml", 763, "model_name_or_path: meta-llama/Llama-3.2-3B\nstage: sft\nfinetuning_type: lora\ntemplate: llama3\ndataset: identity,alpaca_en_demo\ncutoff_len: 4096\nper_device_train_batch_size: 2\nbf16: true\noutput_dir: out\n")]
    [InlineData("tt.yaml", 1304, "# lft: recipe=lora_finetune_single_device\nmodel:\n  _component_: torchtune.models.llama3_2.lora_llama3_2_3b\n  lora_attn_modules: [q_proj, v_proj]\ntokenizer:\n  _component_: torchtune.models.llama3.llama3_tokenizer\n  path: /tmp/tokenizer.model\n  max_seq_len: 4096\ndataset:\n  _component_: torchtune.datasets.alpaca_cleaned_dataset\n  packed: False\ncheckpointer:\n  _component_: torchtune.training.FullModelHFCheckpointer\n  checkpoint_dir: /tmp/Llama-3.2-3B-Instruct/\n  model_type: LLAMA3_2\nbatch_size: 2\noptimizer:\n  _component_: torch.optim.AdamW\n  lr: 3e-4\n")]
    [InlineData("ax.yml", 1304, "base_model: meta-llama/Llama-3.2-3B\nsequence_len: 4096\nmicro_batch_size: 2\nadapter: lora\nlora_target_linear: true\nbf16: true\ndatasets:\n  - path: tatsu-lab/alpaca\n    type: alpaca\n")]
    public void A_known_dataset_named_by_any_dialect_pads_batches_to_its_longest_example(string name, int longest, string text)
    {
        using var files = new DialectTestFiles();
        files.Write(name, text);
        var analysis = files.Analyze(name);
        var plan = analysis.Plan!;
        Assert.NotNull(plan.Data.Lengths);
        // LLaMA-Factory's 1,000-example Alpaca sample is at most 763 tokens; the full Alpaca data's longest is 1,304 (LitGPT).
        Assert.Equal(longest, SequenceShape.AtPeak(plan).Training.SequenceLength);
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Code == Core.Diagnostics.DiagnosticCodes.LengthsAssumed);
    }
}

/// <summary>The lengths of a local data file.</summary>
public class DataFileLengthTests
{
    [Fact]
    public void A_large_file_keeps_a_bounded_sample_and_its_longest_example()
    {
        // 200,000 short alpaca rows and one long one: the sample is capped, the longest example is kept.
        var path = Path.Combine(Path.GetTempPath(), $"lft-lengths-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var writer = new StreamWriter(path))
            {
                for (var i = 0; i < 200_000; i++)
                    writer.WriteLine(i == 123_456 ? $"{{\"instruction\": \"{new string('x', 8000)}\"}}" : "{\"instruction\": \"add two numbers\", \"output\": \"4\"}");
            }
            var statistics = DataFileStatistics.TryRead(path, new Core.Files.AuxiliaryFileCache(), out var error)!;
            Assert.Null(error);
            Assert.Equal(200_000, statistics.Examples);
            Assert.Equal(2000, statistics.Lengths!.Longest);
            // "add two numbers" + "4" = 16 characters = 4 tokens: almost every example.
            Assert.Equal(4, statistics.Lengths.Quantiles[LengthProfile.MaxQuantiles / 2]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
