using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>The editor on the configs users already have: an axolotl config and the DeepSpeed JSON it names; and files that are not configs.</summary>
public sealed class DialectTests
{
    private static readonly string Axolotl = Repo.Example("axolotl/full-8b-zero2.yml");
    private static readonly string DeepSpeed = Repo.Example("axolotl/ds_zero2.json");

    [Fact]
    public async Task The_ZeRO_3_fix_edits_the_companion_JSON_and_the_config_is_estimated_again_without_the_error()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Axolotl);
        var oom = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0301")!;
        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, oom["range"]!["start"]!, oom["range"]!["end"]!)))!.AsArray();
        var zero3 = actions.Single(a => ((string)a!["title"]!).StartsWith("Switch to ZeRO-3", StringComparison.Ordinal))!;
        var dsUri = LspTestClient.UriOf(DeepSpeed);
        var edits = zero3["edit"]!["changes"]![dsUri]!.AsArray();
        Assert.Null(zero3["edit"]!["changes"]![uri]);

        // A client opens the file an edit targets and applies it there (VS Code does so without saving).
        await client.OpenAsync(DeepSpeed);
        await client.EditAsync(dsUri, edits);
        Assert.Contains("\"stage\": 3", client.Text(dsUri));
        var after = await client.DiagnosticsUntilAsync(uri, d => d.All(x => (string)x!["code"]! != "LFT0301"));
        Assert.DoesNotContain(after, d => (int)d!["severity"]! == 1);
    }

    [Fact]
    public async Task Without_a_DeepSpeed_JSON_the_ZeRO_fix_creates_one_for_clients_that_can_create_files_only()
    {
        using var folder = new TempFolder();
        var config = folder.Write("train.yml", File.ReadAllText(Axolotl).Replace("deepspeed: ds_zero2.json\n", ""));
        var capabilities = LspTestClient.VsCodeLikeCapabilities();
        capabilities["workspace"]!["workspaceEdit"] = new JsonObject { ["documentChanges"] = true, ["resourceOperations"] = new JsonArray("create", "rename", "delete") };
        await using var client = await LspTestClient.StartAsync(capabilities: capabilities);
        var uri = await client.OpenAsync(config);
        var oom = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0301")!;
        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, oom["range"]!["start"]!, oom["range"]!["end"]!)))!.AsArray();
        var zero3 = actions.Single(a => ((string)a!["title"]!).StartsWith("Switch to ZeRO-3", StringComparison.Ordinal))!;
        var changes = zero3["edit"]!["documentChanges"]!.AsArray();
        Assert.Equal("create", (string)changes[0]!["kind"]!);
        Assert.EndsWith("/ds_zero3.json", (string)changes[0]!["uri"]!);
        // LSP's OptionalVersionedTextDocumentIdentifier: version present and null for the new file.
        var created = changes[1]!["textDocument"]!.AsObject();
        Assert.True(created.ContainsKey("version"));
        Assert.Null(created["version"]);
        Assert.Equal(uri, (string)changes[2]!["textDocument"]!["uri"]!);

        await using var plain = await LspTestClient.StartAsync();
        var plainUri = await plain.OpenAsync(config);
        var plainOom = (await plain.DiagnosticsAsync(plainUri)).Single(d => (string)d!["code"]! == "LFT0301")!;
        var plainActions = (await plain.RequestAsync("textDocument/codeAction", Range(plainUri, plainOom["range"]!["start"]!, plainOom["range"]!["end"]!)))!.AsArray();
        Assert.DoesNotContain(plainActions, a => ((string)a!["title"]!).StartsWith("Switch to ZeRO-3", StringComparison.Ordinal));
        Assert.Contains(plainActions, a => ((string)a!["title"]!).StartsWith("Enable", StringComparison.Ordinal) || ((string)a!["title"]!).Contains("LoRA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hover_lenses_and_hints_on_an_axolotl_config_speak_its_keys()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Axolotl);
        await client.DiagnosticsAsync(uri);

        var deepspeed = await HoverTextAsync(client, uri, "deepspeed:");
        Assert.Contains("Effect on the estimate", deepspeed);
        Assert.Contains("`ZeRO-3`", deepspeed);
        var micro = await HoverTextAsync(client, uri, "micro_batch_size:");
        Assert.Contains("### `micro_batch_size`", micro);
        Assert.Contains("type: integer", micro);

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        Assert.Equal("On 8 × A100 40GB SXM4, from the modeline", (string)lenses[3]!["command"]!["title"]!);
        var hints = (await client.RequestAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri }, ["range"] = Lines(0, 40) }))!.AsArray();
        Assert.Contains(hints, h => ((string)h!["label"]!).Contains("weights", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Set_GPU_writes_the_modeline_of_an_axolotl_config_and_hardware_gpu_of_a_native_one()
    {
        await using var client = await LspTestClient.StartAsync(capabilities: LspTestClient.VsCodeLikeCapabilities());
        var axolotl = await client.OpenAsync(Axolotl);
        await client.DiagnosticsAsync(axolotl);
        await client.RequestAsync("workspace/executeCommand", new JsonObject
        {
            ["command"] = "lft.setGpu",
            ["arguments"] = new JsonArray(axolotl, new JsonObject { ["gpu"] = "h100-sxm", ["gpusPerNode"] = 4 }),
        });
        Assert.Contains("# lft: gpu=h100-sxm gpus_per_node=4", client.Text(axolotl));

        var native = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));
        await client.DiagnosticsAsync(native);
        await client.RequestAsync("workspace/executeCommand", new JsonObject
        {
            ["command"] = "lft.setGpu",
            ["arguments"] = new JsonArray(native, new JsonObject { ["gpu"] = "l4" }),
        });
        Assert.Contains("  gpu: l4", client.Text(native));
    }

    [Fact]
    public async Task Completion_offers_axolotls_keys_its_optimizer_names_and_hub_model_ids()
    {
        await using var client = await LspTestClient.StartAsync();
        var text = "base_model: \nsequence_len: 2048\nmicro_batch_size: 1\noptimizer: \ngradient_chec\n";
        var uri = await client.OpenAsync("/tmp/completion-axolotl.yml", text);
        await client.DiagnosticsAsync(uri);
        async Task<IEnumerable<string>> Labels(int line, int character) =>
            (await client.RequestAsync("textDocument/completion", At(uri, new JsonObject { ["line"] = line, ["character"] = character })))!["items"]!
                .AsArray().Select(i => (string)i!["label"]!);

        Assert.Contains("gradient_checkpointing", await Labels(4, 13));
        Assert.DoesNotContain("micro_batch_size", await Labels(4, 13));
        Assert.Contains("adamw_bnb_8bit", await Labels(3, 11));
        Assert.Contains("meta-llama/Llama-3.2-1B", await Labels(0, 12));
    }

    [Theory]
    [InlineData("github-workflow.yml")]
    [InlineData("k8s-deployment.yaml")]
    [InlineData("package.json")]
    [InlineData("app-config.yaml")]
    public async Task A_file_that_is_not_a_training_config_gets_nothing(string name)
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Path.Combine(Repo.Root, "tests", "corpus", "not-configs", name));
        Assert.Empty(await client.DiagnosticsAsync(uri));
        Assert.Null(await client.RequestAsync("textDocument/hover", At(uri, new JsonObject { ["line"] = 1, ["character"] = 2 })));
        Assert.Empty((await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray());
        Assert.Empty((await client.RequestAsync("textDocument/documentSymbol", Document(uri)))!.AsArray());
        Assert.Empty((await client.RequestAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri }, ["range"] = Lines(0, 20) }))!.AsArray());
    }
}
