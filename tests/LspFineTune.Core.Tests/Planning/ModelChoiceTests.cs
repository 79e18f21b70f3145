using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Planning;

public class ModelChoiceTests
{
    [Fact]
    public void A_copy_with_another_architecture_describes_the_new_architecture()
    {
        var gpt2 = ModelCatalog.Default.Find("gpt2")!;
        var llama = ModelCatalog.Default.Find("llama-2-7b")!;
        var choice = new ModelChoice { Id = "gpt2", Architecture = gpt2.Architecture };
        Assert.Equal(gpt2.Structure.TotalParameters, choice.Structure.TotalParameters);
        var copy = choice with { Architecture = llama.Architecture };
        Assert.Equal(llama.Structure.TotalParameters, copy.Structure.TotalParameters);
    }
}
