using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>The lifecycle of one connection: not initialized, running, shut down; and what initialize told us.</summary>
public sealed class ServerSession
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServerSettings _settings = new();

    // Volatile: set on the message queue, read by the transport as each request arrives (see Refusal).
    private volatile bool _initialized;
    private volatile bool _shutDown;

    public bool IsInitialized => _initialized;

    public bool IsShutDown => _shutDown;

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
        _initialized = true;
    }

    public void ShutDown() => _shutDown = true;

    /// <summary>Ends the session: 0 after a proper shutdown, 1 otherwise (LSP's exit rule).</summary>
    public void End(int? exitCode = null) => _exit.TrySetResult(exitCode ?? (IsShutDown ? 0 : 1));

    /// <summary>Requests other than initialize are refused before it and after shutdown, as LSP requires.</summary>
    public void EnsureRunning(string method)
    {
        if (Refusal(method) is { } refusal)
            throw refusal;
    }

    /// <summary>
    /// The error a request gets from the lifecycle alone, or null when it may run. Checked as each request arrives,
    /// before its params are bound (so a request before initialize gets -32002, whatever its params), and again in the
    /// handlers. initialize itself is the handler's to refuse (a second one, or one after shutdown).
    /// </summary>
    public LspException? Refusal(string method)
    {
        if (method == "initialize")
            return null;
        if (!IsInitialized)
            return new LspException(LspErrorCodes.ServerNotInitialized, $"{method} before initialize: send initialize first.");
        if (IsShutDown)
            return new LspException(LspErrorCodes.InvalidRequest, $"{method} after shutdown: only exit is accepted now.");
        return null;
    }

    /// <summary>Whether a notification should be acted on (LSP drops them before initialize and after shutdown).</summary>
    public bool AcceptsNotifications => IsInitialized && !IsShutDown;
}
