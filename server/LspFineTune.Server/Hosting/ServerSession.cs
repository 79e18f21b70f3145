using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>The lifecycle of one connection: not initialized, running, shut down; and what initialize told us.</summary>
public sealed class ServerSession
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServerSettings _settings = new();

    public bool IsInitialized { get; private set; }

    public bool IsShutDown { get; private set; }

    public ClientCapabilities Capabilities { get; private set; } = new();

    public string ClientName { get; private set; } = "unknown client";

    /// <summary>Completes with the process exit code when the client sends exit or goes away.</summary>
    public Task<int> Exit => _exit.Task;

    public ServerSettings Settings
    {
        get { lock (_gate) return _settings; }
        set { lock (_gate) _settings = value; }
    }

    public void Initialize(ClientCapabilities capabilities, string? clientName)
    {
        if (IsInitialized)
            throw new LspException(LspErrorCodes.InvalidRequest, "initialize was already received; send it once per connection.");
        Capabilities = capabilities;
        ClientName = clientName ?? ClientName;
        IsInitialized = true;
    }

    public void ShutDown() => IsShutDown = true;

    /// <summary>Ends the session: 0 after a proper shutdown, 1 otherwise (LSP's exit rule).</summary>
    public void End(int? exitCode = null) => _exit.TrySetResult(exitCode ?? (IsShutDown ? 0 : 1));

    /// <summary>Requests other than initialize are refused before it and after shutdown, as LSP requires.</summary>
    public void EnsureRunning(string method)
    {
        if (!IsInitialized)
            throw new LspException(LspErrorCodes.ServerNotInitialized, $"{method} before initialize: send initialize first.");
        if (IsShutDown)
            throw new LspException(LspErrorCodes.InvalidRequest, $"{method} after shutdown: only exit is accepted now.");
    }

    /// <summary>Whether a notification should be acted on (LSP drops them before initialize and after shutdown).</summary>
    public bool AcceptsNotifications => IsInitialized && !IsShutDown;
}
