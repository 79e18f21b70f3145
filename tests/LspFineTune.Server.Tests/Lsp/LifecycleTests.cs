using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>initialize / shutdown / exit and what the server promises in its capabilities.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Initialize_advertises_every_feature_the_server_implements()
    {
        await using var connection = LspTestClient.Connect();
        var result = await connection.RequestAsync("initialize", new JsonObject { ["processId"] = null, ["capabilities"] = new JsonObject() });

        var capabilities = result!["capabilities"]!;
        Assert.Equal(2, (int)capabilities["textDocumentSync"]!["change"]!);
        Assert.True((bool)capabilities["textDocumentSync"]!["openClose"]!);
        Assert.True((bool)capabilities["hoverProvider"]!);
        Assert.True((bool)capabilities["documentSymbolProvider"]!);
        Assert.NotNull(capabilities["inlayHintProvider"]);
        Assert.NotNull(capabilities["codeLensProvider"]);
        Assert.NotNull(capabilities["completionProvider"]);
        Assert.Equal(["quickfix", "source.lft.applyPlan"], capabilities["codeActionProvider"]!["codeActionKinds"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(["lft.showBreakdown", "lft.plan", "lft.train", "lft.hardware", "lft.setGpu", "lft.sweep", "lft.sweepResults", "lft.applySweep", "lft.trainFramework"], capabilities["executeCommandProvider"]!["commands"]!.AsArray().Select(k => (string)k!));
        Assert.Equal("utf-16", (string)capabilities["positionEncoding"]!);
        Assert.Equal("lft", (string)result["serverInfo"]!["name"]!);
    }

    [Fact]
    public async Task Requests_before_initialize_are_refused_with_ServerNotInitialized()
    {
        await using var connection = LspTestClient.Connect();
        var error = await connection.RequestErrorAsync("textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = "file:///x.lft.yaml" },
            ["position"] = new JsonObject { ["line"] = 0, ["character"] = 0 },
        });
        Assert.Equal(-32002, (int)error.ErrorCode);
        Assert.Contains("initialize", error.Message);
    }

    [Fact]
    public async Task Shutdown_then_exit_ends_the_server_with_code_0_and_refuses_requests_in_between()
    {
        await using var client = await LspTestClient.StartAsync();
        Assert.Null(await client.RequestAsync("shutdown", null));
        var error = await client.RequestErrorAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = "file:///x.lft.yaml" } });
        Assert.Equal(-32600, (int)error.ErrorCode);

        await client.NotifyAsync("exit", null);
        Assert.Equal(0, await client.ServerExit.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Exit_without_shutdown_ends_the_server_with_code_1()
    {
        await using var client = await LspTestClient.StartAsync();
        await client.NotifyAsync("exit", null);
        Assert.Equal(1, await client.ServerExit.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_second_initialize_is_an_error()
    {
        await using var client = await LspTestClient.StartAsync();
        var error = await client.RequestErrorAsync("initialize", new JsonObject { ["capabilities"] = new JsonObject() });
        Assert.Equal(-32600, (int)error.ErrorCode);
    }

    [Fact]
    public async Task Errors_carry_a_message_but_no_stack_trace()
    {
        await using var client = await LspTestClient.StartAsync();
        var error = await client.RequestErrorAsync("textDocument/hover", new JsonObject { ["position"] = new JsonObject { ["line"] = 0, ["character"] = 0 } });
        Assert.Equal(-32602, (int)error.ErrorCode);
        Assert.Contains("textDocument.uri", error.Message);
        Assert.DoesNotContain("   at ", error.Message);
        Assert.Null(error.ErrorData);
    }
}
