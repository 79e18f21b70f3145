using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>
/// What ships carries no path of the machine that built it (Directory.Build.props: Release builds map the checkout to
/// /_/): not in an assembly (its CodeView entry names the PDB), not in a PDB (its documents name the sources), not in
/// any other file. The names stay useful: a PDB document is /_/server/…/File.cs, so a stack trace still says where.
/// Checked on the .NET tool package (built with an artifacts path outside the checkout) and on the Release trainer.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed class BuildPathTests(PackedTool tool) : IDisposable
{
    private readonly TempFolder _unpacked = new();

    public void Dispose() => _unpacked.Dispose();

    /// <summary>The paths that must not appear: the checkout, and the temp folder the package was built in.</summary>
    private IEnumerable<string> BuildPaths() => [Repo.Root, tool.BuildFolder];

    private static readonly string TrainerBuild = Path.Combine(Repo.Root, "server", "LspFineTune.Trainer", "bin", "Release", "net10.0", "linux-x64");

    [Fact]
    public void The_tool_package_holds_no_build_path()
    {
        ZipFile.ExtractToDirectory(tool.Nupkg, _unpacked.Path);
        var files = Directory.GetFiles(_unpacked.Path, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("lft.pdb", StringComparison.Ordinal));
        AssertNoBuildPath(files);
        AssertMappedDebugInformation(files, "lft", "/_/server/LspFineTune.Server/Cli/CommandLine.cs");
        AssertMappedDebugInformation(files, "LspFineTune.Core", "/_/server/LspFineTune.Core/ConfigAnalyzer.cs");
    }

    [Fact]
    public void The_release_trainer_holds_no_build_path()
    {
        var ours = new[] { "lft-train.dll", "lft-train.pdb", "LspFineTune.Core.dll", "LspFineTune.Core.pdb", "lft-train.deps.json", "lft-train.runtimeconfig.json" }
            .Select(name => Path.Combine(TrainerBuild, name)).ToList();
        Assert.All(ours, file => Assert.True(File.Exists(file), $"{file} is missing: build the trainer with `dotnet build server/LspFineTune.Trainer -c Release`"));
        AssertNoBuildPath(ours);
        AssertMappedDebugInformation(ours, "lft-train", "/_/server/LspFineTune.Trainer/Program.cs");
    }

    private void AssertNoBuildPath(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var path in BuildPaths())
            {
                foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode })
                    Assert.False(bytes.AsSpan().IndexOf(encoding.GetBytes(path)) >= 0, $"{Path.GetFileName(file)} holds the build path {path} ({encoding.WebName})");
            }
        }
    }

    /// <summary>
    /// The assembly's CodeView entry and every document of its PDB are under /_/ (PDB document names are stored in parts,
    /// so the byte search above cannot see them), and <paramref name="expectedDocument"/> is among them.
    /// </summary>
    private static void AssertMappedDebugInformation(IEnumerable<string> files, string assembly, string expectedDocument)
    {
        var dll = Assert.Single(files, f => Path.GetFileName(f) == assembly + ".dll");
        using (var pe = new PEReader(File.OpenRead(dll)))
        {
            var codeView = Assert.Single(pe.ReadDebugDirectory(), e => e.Type == DebugDirectoryEntryType.CodeView);
            var pdbPath = pe.ReadCodeViewDebugDirectoryData(codeView).Path;
            Assert.True(pdbPath.StartsWith("/_/", StringComparison.Ordinal), $"{assembly}.dll names its PDB as {pdbPath}");
        }
        var pdb = Assert.Single(files, f => Path.GetFileName(f) == assembly + ".pdb");
        using var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
        var reader = provider.GetMetadataReader();
        var documents = reader.Documents.Select(handle => reader.GetString(reader.GetDocument(handle).Name)).ToList();
        Assert.All(documents, name => Assert.True(name.StartsWith("/_", StringComparison.Ordinal), $"{assembly}.pdb names the source {name}"));
        Assert.Contains(expectedDocument, documents);
    }
}
