using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Training;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

/// <summary>Options that must not change the maths: gradient checkpointing and the attention kernel.</summary>
public sealed class GradientEquivalenceTests
{
    public GradientEquivalenceTests() => LibTorchLoader.EnsureLoaded();

    /// <summary>A GPT-2 shaped like the tiny LLaMA (random weights: the equivalences hold for any weights).</summary>
    internal static Gpt2Config TinyGpt2 { get; } = new()
    {
        HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, InnerSize = 256, VocabSize = 512,
        MaxPositionEmbeddings = 256, TieWordEmbeddings = true, BosTokenId = 1, EosTokenId = 2, PadTokenId = 0,
    };

    private static CausalLanguageModel Model(string family, LoraSpec? lora, double dropout = 0)
    {
        manual_seed(11);
        lora = lora is null ? null : lora with { Dropout = dropout };
        var model = family == "gpt2" ? new Gpt2LMHeadModel(TinyGpt2, lora) : ModelFolder.Load(TempRun.TinyModel, lora);
        using (no_grad())
        {
            // Non-zero B so LoRA gradients flow into A too (a fresh adapter has B = 0).
            foreach (var (name, parameter) in model.AdapterParameters().Where(p => p.Name.Contains("lora_B")))
                parameter.normal_(0, 0.02);
        }
        if (lora is not null)
        {
            foreach (var (_, parameter) in model.BaseParameters())
                parameter.requires_grad = false;
        }
        model.train();
        return model;
    }

    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        var examples = new[] { "The teacher walks to the market.", "A young girl sings a song under the big tree after lunch." }
            .Select(text => new TokenizedExample([1, .. text.Select(c => 3 + c), 2], [false, .. text.Select(_ => true), true])).ToList();
        var (inputs, labels, _) = Batcher.Collate(examples, 0);
        return (inputs, labels);
    }

    /// <summary>Loss and every trainable gradient after one forward/backward, seeded so dropout draws alike.</summary>
    private static (double Loss, Dictionary<string, Tensor> Gradients) LossAndGradients(CausalLanguageModel model)
    {
        var (inputs, labels) = Batch();
        manual_seed(5);
        using var loss = LanguageModelLoss.Mean(model, inputs, labels);
        loss.backward();
        var gradients = model.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        model.zero_grad();
        return (loss.item<float>(), gradients);
    }

    public static TheoryData<string, bool, double> Methods => new()
    {
        { "llama", false, 0.0 }, { "llama", true, 0.0 }, { "llama", true, 0.1 }, { "gpt2", false, 0.0 }, { "gpt2", true, 0.1 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Gradient_checkpointing_gives_the_same_loss_and_gradients(string family, bool lora, double dropout)
    {
        using var model = Model(family, lora ? new LoraSpec(4, 8, 0, ["q_proj", "v_proj", "down_proj", "c_attn", "c_fc"], false) : null, dropout);
        var (plainLoss, plain) = LossAndGradients(model);
        model.GradientCheckpointing = true;
        var (checkpointedLoss, checkpointed) = LossAndGradients(model);

        Assert.Equal(plainLoss, checkpointedLoss);
        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        Assert.NotEmpty(plain);
        foreach (var (name, gradient) in plain)
            Assert.True(gradient.allclose(checkpointed[name], rtol: 1e-5, atol: 1e-7), $"gradient of {name} differs with checkpointing");
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Sdpa_attention_matches_eager_attention_in_loss_and_gradients(string family)
    {
        using var model = Model(family, null);
        model.Attention = AttentionImplementation.Eager;
        var (eagerLoss, eager) = LossAndGradients(model);
        model.Attention = AttentionImplementation.Sdpa;
        var (sdpaLoss, sdpa) = LossAndGradients(model);

        Assert.Equal(eagerLoss, sdpaLoss, 5);
        foreach (var (name, gradient) in eager)
        {
            // Different kernels sum in different orders: compare against the gradient's own scale, not elementwise.
            var difference = (gradient - sdpa[name]).abs().max().item<float>();
            var scale = gradient.abs().max().item<float>();
            Assert.True(difference <= 1e-4 * scale + 1e-9, $"gradient of {name} differs between eager and sdpa by up to {difference} (scale {scale})");
        }
    }
}
