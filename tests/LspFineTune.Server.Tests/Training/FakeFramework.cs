namespace LspFineTune.Server.Tests.Training;

/// <summary>
/// A stand-in for a framework's executable: a shell script in a folder of its own, put first on the PATH the test hands
/// `lft train`, that prints log lines in the framework's real formats (tqdm bars with carriage returns on stderr, the
/// Trainer's dict lines on stdout) and exits as told.
/// </summary>
public sealed class FakeFramework : IDisposable
{
    private readonly TempFolder _bin = new();

    public string Folder => _bin.Path;

    /// <summary>Writes an executable script <paramref name="name"/> with this body (after <c>#!/bin/sh</c>).</summary>
    public string Script(string name, string body)
    {
        var path = _bin.Write(name, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The environment `lft` sees: this folder first on PATH, the rest of the test's own environment.</summary>
    public Func<string, string?> Environment(IReadOnlyDictionary<string, string>? extra = null) => name =>
        extra?.GetValueOrDefault(name) ?? (name == "PATH" ? Folder + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH") : System.Environment.GetEnvironmentVariable(name));

    /// <summary>An axolotl run of three steps as transformers 5 and axolotl print it (see LogLineTests for each format's source).</summary>
    public const string AxolotlRun = """
        echo "[axolotl] args: $*" >&2
        printf 'Loading checkpoint shards: 100%%|##########| 2/2 [00:01<00:00,  1.50it/s]\n' >&2
        printf '  0%%|          | 0/3 [00:00<?, ?it/s]' >&2
        printf '\r 33%%|###3      | 1/3 [00:01<00:02,  1.01s/it]' >&2
        printf "{'loss': '2.5', 'grad_norm': '1.2', 'learning_rate': '2e-05', 'ppl': '12.18', 'memory/max_active (GiB)': '15', 'memory/max_allocated (GiB)': '15', 'memory/device_reserved (GiB)': '16', 'tokens/train_per_sec_per_gpu': '2000', 'epoch': '0.33'}\n"
        printf '\r 67%%|######6   | 2/3 [00:02<00:01,  1.00s/it]' >&2
        printf "{'loss': '2.25', 'grad_norm': '1.1', 'learning_rate': '1e-05', 'ppl': '9.49', 'memory/max_active (GiB)': '15.5', 'memory/max_allocated (GiB)': '15.5', 'memory/device_reserved (GiB)': '17', 'tokens/train_per_sec_per_gpu': '2100', 'epoch': '0.67'}\n"
        printf '\r100%%|##########| 3/3 [00:03<00:00,  1.00s/it]' >&2
        printf "{'train_runtime': '3.1', 'train_samples_per_second': '7.7', 'train_steps_per_second': '0.968', 'train_loss': '2.3', 'epoch': '1'}\n"
        printf '\n' >&2
        """;

    public void Dispose() => _bin.Dispose();
}
