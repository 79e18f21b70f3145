using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class InlayHintAndCodeLensTests
{
    [Fact]
    public async Task Inlay_hints_put_the_total_on_the_first_line_and_each_term_on_the_line_of_the_key_that_drives_it()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        var text = client.Text(uri);

        var hints = (await client.RequestAsync("textDocument/inlayHint", Range(uri, Lines(0, 1000)["start"]!, Lines(0, 1000)["end"]!)))!.AsArray();

        var top = hints.Single(h => (int)h!["position"]!["line"]! == 0);
        Assert.StartsWith("peak 448 GB / 85.0 GB per GPU, OUT OF MEMORY", (string)top!["label"]!);
        Assert.Contains("| term | per GPU |", (string)top["tooltip"]!["value"]!);
        var microBatchLine = (int)LspTestClient.PositionOf(text, "micro_batch_size")["line"]!;
        var atMicroBatch = hints.Single(h => (int)h!["position"]!["line"]! == microBatchLine);
        Assert.Contains("activations 131 GB", (string)atMicroBatch!["label"]!);
        var lines = text.Split('\n');
        foreach (var hint in hints)
        {
            var line = (int)hint!["position"]!["line"]!;
            Assert.Equal(lines[line].TrimEnd('\r').Length, (int)hint["position"]!["character"]!);
        }
    }

    [Fact]
    public async Task Inlay_hints_are_limited_to_the_requested_range()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        var hints = (await client.RequestAsync("textDocument/inlayHint", Range(uri, Lines(1, 3)["start"]!, Lines(1, 3)["end"]!)))!.AsArray();
        Assert.All(hints, h => Assert.InRange((int)h!["position"]!["line"]!, 1, 3));
    }

    [Fact]
    public async Task Code_lenses_at_the_top_show_the_estimate_and_offer_a_plan_and_the_trainer()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("mistral-7b-long-context.lft.yaml"));

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();

        Assert.Equal(4, lenses.Count);
        Assert.All(lenses, l => Assert.Equal(0, (int)l!["range"]!["start"]!["line"]!));
        Assert.Matches(@"^Peak 255 GB of 84\.9 GB per GPU \(out of memory\) · .+/epoch$", (string)lenses[0]!["command"]!["title"]!);
        Assert.Equal("lft.showBreakdown", (string)lenses[0]!["command"]!["command"]!);
        Assert.Equal(uri, (string)lenses[0]!["command"]!["arguments"]![0]!);
        Assert.Equal(("Find a plan that fits", "lft.plan"), ((string)lenses[1]!["command"]!["title"]!, (string)lenses[1]!["command"]!["command"]!));
        Assert.Equal(("Train with bundled trainer", "lft.train"), ((string)lenses[2]!["command"]!["title"]!, (string)lenses[2]!["command"]!["command"]!));
        // The hardware is in no real format, so the lens says where it came from (here the native hardware section).
        Assert.Equal(("On 1 × H100 SXM5 80GB, from the config", "lft.hardware"), ((string)lenses[3]!["command"]!["title"]!, (string)lenses[3]!["command"]!["command"]!));
    }

    [Fact]
    public async Task A_config_the_bundled_trainer_runs_on_this_cpu_offers_a_hyperparameter_search_next_to_training()
    {
        await using var client = await LspTestClient.StartAsync();
        var cpu = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));
        var gpu = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(cpu)))!.AsArray().Select(l => ((string)l!["command"]!["title"]!, (string)l["command"]!["command"]!)).ToList();
        var onGpu = (await client.RequestAsync("textDocument/codeLens", Document(gpu)))!.AsArray().Select(l => (string)l!["command"]!["command"]!).ToList();

        Assert.Equal(("Tune hyperparameters", "lft.sweep"), lenses[lenses.IndexOf(("Train with bundled trainer", "lft.train")) + 1]);
        Assert.DoesNotContain("lft.sweep", onGpu);
    }

    [Fact]
    public async Task A_cpu_config_speaks_of_the_cpu_not_of_a_gpu()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        var hints = (await client.RequestAsync("textDocument/inlayHint", Range(uri, Lines(0, 100)["start"]!, Lines(0, 100)["end"]!)))!.AsArray();

        Assert.Matches(@"^Peak [0-9.]+ [GMK]B of [0-9.]+ GB on the CPU · ", (string)lenses[0]!["command"]!["title"]!);
        Assert.Contains(" on the CPU, fits", (string)hints.Single(h => (int)h!["position"]!["line"]! == 0)!["label"]!);
        Assert.DoesNotContain("GPU", (string)lenses[0]!["command"]!["title"]!);
    }
}
