using System.IO.Compression;
using System.Xml.Linq;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>`lft` as a .NET tool: what the package holds, and the installed command run as a user runs it.</summary>
[Collection(PackagingCollection.Name)]
public sealed class DotnetToolTests(PackedTool tool)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private CliResult RunLft(params string[] args) =>
        ProcessRun.Run(tool.Lft, args, Repo.Root, Timeout, new Dictionary<string, string> { ["PATH"] = tool.PathWithTool });

    [Fact]
    public void The_package_is_a_portable_dotnet_tool_named_lft_with_readme_and_license()
    {
        string Meta(string name) => tool.Nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == name)?.Value
            ?? throw new Xunit.Sdk.XunitException($"the nuspec has no <{name}>:\n{tool.Nuspec}");
        Assert.Equal(PackedTool.PackageId, Meta("id"));
        Assert.Equal("MIT", Meta("license"));
        Assert.Equal("README.md", Meta("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Meta("description")));
        Assert.Contains(tool.Nuspec.Descendants().Where(e => e.Name.LocalName == "packageType"), e => (string?)e.Attribute("name") == "DotnetTool");

        using var archive = ZipFile.OpenRead(tool.Nupkg);
        var names = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("README.md", names);
        // Framework-dependent IL for any runtime: the ReadyToRun-on-publish block must not leak into the package
        // (a RID-specific tool would install only on the machine type that packed it).
        var settings = Assert.Single(names, n => n.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        Assert.Equal("tools/net10.0/any/DotnetToolSettings.xml", settings);
        Assert.DoesNotContain(names, n => n.StartsWith("runtimes/", StringComparison.Ordinal) || n.EndsWith(".so", StringComparison.Ordinal) || n.EndsWith(".exe", StringComparison.Ordinal));
        Assert.Contains("tools/net10.0/any/lft.dll", names);

        using var reader = new StreamReader(archive.GetEntry(settings)!.Open());
        var command = XDocument.Parse(reader.ReadToEnd()).Descendants("Command").Single();
        Assert.Equal("lft", (string?)command.Attribute("Name"));
        Assert.Equal("lft.dll", (string?)command.Attribute("EntryPoint"));
        Assert.Equal("dotnet", (string?)command.Attribute("Runner"));
    }

    [Fact]
    public void Installed_lft_prints_the_package_version()
    {
        var result = RunLft("--version");
        Assert.True(result.Exit == 0, result.ToString());
        Assert.StartsWith($"lft {tool.Version}", result.Stdout.Trim());
    }

    [Fact]
    public void Installed_lft_estimates_an_example_that_fits()
    {
        var result = RunLft("estimate", "examples/llama2-7b-lora.lft.yaml");
        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("fits", result.Stdout);
        Assert.Contains("llama-2-7b", result.Stdout);
    }

    [Fact]
    public void Template_zip_holds_the_template_folder_as_LSP4IJ_exports_it()
    {
        using var archive = ZipFile.OpenRead(tool.TemplateZip);
        var expected = new[] { "template.json", "settings.json", "settings.schema.json", "initializationOptions.json", "clientSettings.json", "README.md" };
        Assert.Equal(expected.Select(f => "LspFineTune/" + f).Order(StringComparer.Ordinal), archive.Entries.Where(e => e.Length > 0).Select(e => e.FullName).Order(StringComparer.Ordinal));
        foreach (var file in expected)
        {
            using var entry = new MemoryStream();
            archive.GetEntry("LspFineTune/" + file)!.Open().CopyTo(entry);
            Assert.True(File.ReadAllBytes(Path.Combine(Repo.Root, "client-rider", file)).AsSpan().SequenceEqual(entry.ToArray()), $"LspFineTune/{file} in the zip differs from client-rider/{file}");
        }
    }
}
