using System.IO.Compression;
using System.Text;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>
/// `scripts/pack-tool` run once for the packaging tests (into a temp folder, building in a temp folder too, so the
/// repository's bin/ and obj/ that other tests run from are never rewritten), then the package installed offline with
/// `dotnet tool install --tool-path`: the way a user gets `lft` on PATH, minus `--global`.
/// </summary>
public sealed class PackedTool : IDisposable
{
    public const string PackageId = "LspFineTune.Lft";

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    private readonly TempFolder _temp = new();

    public PackedTool()
    {
        var output = Path.Combine(_temp.Path, "out");
        BuildFolder = Path.Combine(_temp.Path, "build");
        var pack = ProcessRun.Run("bash", [Path.Combine(Repo.Root, "scripts", "pack-tool"), "--out", output, "--build-dir", BuildFolder], Repo.Root, PackTimeout);
        if (pack.Exit != 0)
            throw new InvalidOperationException($"scripts/pack-tool failed:\n{pack}");
        PackLog = pack.ToString();

        NupkgFolder = Path.Combine(output, "nupkg");
        var packages = Directory.GetFiles(NupkgFolder, PackageId + ".*.nupkg");
        if (packages.Length != 1)
            throw new InvalidOperationException($"expected one {PackageId} package in {NupkgFolder}, found {packages.Length}:\n{PackLog}");
        Nupkg = packages[0];
        TemplateZip = Path.Combine(output, "lspfinetune-lsp4ij-template.zip");
        using (var archive = ZipFile.OpenRead(Nupkg))
        {
            var nuspec = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using var reader = new StreamReader(nuspec.Open(), Encoding.UTF8);
            Nuspec = System.Xml.Linq.XDocument.Parse(reader.ReadToEnd());
        }
        Version = Nuspec.Descendants().Single(e => e.Name.LocalName == "version").Value;

        // Offline and isolated: a NuGet.config with only the package folder (no nuget.org to time out on), and a fresh
        // global packages folder so that an older package of the same version cached on this machine cannot stand in.
        var config = _temp.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="lft-local" value="{NupkgFolder}" />
              </packageSources>
            </configuration>
            """);
        ToolPath = Path.Combine(_temp.Path, "tools");
        var install = ProcessRun.Run(ProcessRun.Dotnet, ["tool", "install", "--tool-path", ToolPath, "--configfile", config, PackageId, "--version", Version],
            Repo.Root, PackTimeout, new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_temp.Path, "nuget-packages") });
        if (install.Exit != 0)
            throw new InvalidOperationException($"dotnet tool install of {Nupkg} failed:\n{install}");
        InstallLog = install.ToString();
    }

    public string PackLog { get; }

    /// <summary>Where `dotnet pack` built (its artifacts path): outside the checkout, like a CI machine's folder.</summary>
    public string BuildFolder { get; }

    public string InstallLog { get; }

    public string NupkgFolder { get; }

    public string Nupkg { get; }

    public System.Xml.Linq.XDocument Nuspec { get; }

    public string Version { get; }

    public string TemplateZip { get; }

    /// <summary>The folder `dotnet tool install --tool-path` put the `lft` command in (what ~/.dotnet/tools is for --global).</summary>
    public string ToolPath { get; }

    public string Lft => Path.Combine(ToolPath, OperatingSystem.IsWindows() ? "lft.exe" : "lft");

    /// <summary>PATH with the installed tool first, as on a machine where the user ran `dotnet tool install --global`.</summary>
    public string PathWithTool => ToolPath + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackedTool>
{
    public const string Name = "Packaging (dotnet pack + dotnet tool install)";
}
