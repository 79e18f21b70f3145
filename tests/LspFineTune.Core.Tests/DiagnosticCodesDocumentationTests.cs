using System.Reflection;
using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests;

/// <summary>The editor links every diagnostic to the README's code table: each code must be explained there.</summary>
public class DiagnosticCodesDocumentationTests
{
    [Fact]
    public void Every_code_has_a_row_in_the_README_table_and_codes_are_unique()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LspFineTune.sln")))
            root = root.Parent;
        Assert.NotNull(root);
        var readme = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        var codes = typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Contains($"| {code} |", readme));
    }
}
