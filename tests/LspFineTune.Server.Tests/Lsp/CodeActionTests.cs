using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class CodeActionTests
{
    [Fact]
    public async Task Applying_the_preferred_quick_fix_makes_the_out_of_memory_error_go_away()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("mistral-7b-long-context.lft.yaml"));
        var oom = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0301")!;
        Assert.Equal(1, (int)oom["severity"]!);
        Assert.NotEmpty(oom["relatedInformation"]!.AsArray());
        Assert.Equal("LFT0301", (string)oom["data"]!["code"]!);

        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, oom["range"]!["start"]!, oom["range"]!["end"]!,
            new JsonObject { ["diagnostics"] = new JsonArray(oom.DeepClone()) })))!.AsArray();

        var preferred = Assert.Single(actions, a => (bool?)a!["isPreferred"] == true)!;
        Assert.Equal("quickfix", (string)preferred["kind"]!);
        Assert.Matches(@": [0-9.]+ GB, fits H100 SXM5 80GB, ", (string)preferred["title"]!);
        Assert.Equal("LFT0301", (string)preferred["diagnostics"]![0]!["code"]!);
        var edits = preferred["edit"]!["changes"]![uri]!.AsArray();
        var commentsBefore = client.Text(uri).Split('\n').Count(l => l.TrimStart().StartsWith('#'));
        await client.EditAsync(uri, edits);

        var after = await client.DiagnosticsAsync(uri, client.Version(uri));
        Assert.DoesNotContain(after, d => (string)d!["code"]! == "LFT0301");
        Assert.Equal(commentsBefore, client.Text(uri).Split('\n').Count(l => l.TrimStart().StartsWith('#')));
    }

    [Fact]
    public async Task Quick_fixes_are_found_from_the_range_alone_when_the_client_sends_diagnostics_without_ranges()
    {
        // Neovim 0.7 echoes diagnostics back without their range: the server matches its own by position.
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("mistral-7b-long-context.lft.yaml"));
        var oom = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0301")!;
        var echoed = new JsonObject { ["message"] = oom["message"]!.DeepClone(), ["severity"] = 1 };

        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, oom["range"]!["start"]!, oom["range"]!["start"]!,
            new JsonObject { ["diagnostics"] = new JsonArray(echoed) })))!.AsArray();

        Assert.Contains(actions, a => (bool?)a!["isPreferred"] == true);
    }

    [Fact]
    public async Task Every_quick_fix_title_states_the_estimate_it_reaches()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        var oom = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0301")!;

        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, oom["range"]!["start"]!, oom["range"]!["end"]!)))!.AsArray();

        var quickFixes = actions.Where(a => (string)a!["kind"]! == "quickfix").ToList();
        Assert.True(quickFixes.Count >= 4, string.Join("\n", quickFixes.Select(a => (string)a!["title"]!)));
        Assert.All(quickFixes, a => Assert.Matches(@": [0-9.]+ GB, (fits|still over) .*(time)$", (string)a!["title"]!));
        // No single change fits 70B on 8 x A100: the combined plan is the preferred fix.
        var preferred = Assert.Single(quickFixes, a => (bool?)a!["isPreferred"] == true)!;
        Assert.StartsWith("Apply the fastest plan that fits", (string)preferred["title"]!);
    }

    [Fact]
    public async Task The_fastest_plan_is_offered_as_a_source_action()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, Lines(0, 0)["start"]!, Lines(0, 0)["end"]!,
            new JsonObject { ["diagnostics"] = new JsonArray(), ["only"] = new JsonArray("source") })))!.AsArray();

        var plan = Assert.Single(actions)!;
        Assert.Equal("source.lft.applyPlan", (string)plan["kind"]!);
        await client.EditAsync(uri, plan["edit"]!["changes"]![uri]!.AsArray());
        Assert.DoesNotContain(await client.DiagnosticsAsync(uri, client.Version(uri)), d => (string)d!["code"]! == "LFT0301");
    }

    [Fact]
    public async Task A_misspelt_key_gets_a_did_you_mean_fix()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Repo.Example("llama2-7b-lora.lft.yaml");
        var uri = await client.OpenAsync(path, File.ReadAllText(path).Replace("micro_batch_size", "micro_bach_size"));
        var unknown = (await client.DiagnosticsAsync(uri)).Single(d => (string)d!["code"]! == "LFT0102")!;

        var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, unknown["range"]!["start"]!, unknown["range"]!["end"]!)))!.AsArray();

        var rename = Assert.Single(actions, a => (string)a!["title"]! == "Change to `micro_batch_size`")!;
        await client.EditAsync(uri, rename["edit"]!["changes"]![uri]!.AsArray());
        Assert.Equal(File.ReadAllText(path), client.Text(uri));
        Assert.DoesNotContain(await client.DiagnosticsAsync(uri, client.Version(uri)), d => (string)d!["code"]! == "LFT0102");
    }

    [Fact]
    public async Task Hardware_mismatches_get_fixes_that_remove_them()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama3-8b-bf16-on-v100.lft.yaml"));
        var diagnostics = await client.DiagnosticsAsync(uri);
        foreach (var code in new[] { "LFT0401", "LFT0402" })
        {
            var diagnostic = diagnostics.Single(d => (string)d!["code"]! == code)!;
            var actions = (await client.RequestAsync("textDocument/codeAction", Range(uri, diagnostic["range"]!["start"]!, diagnostic["range"]!["end"]!)))!.AsArray();
            var fix = actions.First(a => a!["diagnostics"]!.AsArray().Any(d => (string)d!["code"]! == code))!;
            await client.EditAsync(uri, fix["edit"]!["changes"]![uri]!.AsArray());
            diagnostics = await client.DiagnosticsAsync(uri, client.Version(uri));
            Assert.DoesNotContain(diagnostics, d => (string)d!["code"]! == code);
        }
    }
}
