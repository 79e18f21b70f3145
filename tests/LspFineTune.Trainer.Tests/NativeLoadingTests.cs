using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Tests;

public sealed class NativeLoadingTests
{
    private static string Library => Path.Combine(AppContext.BaseDirectory, LibTorchLoader.LibraryName);

    [Fact]
    public void After_loading_the_GLIBCXX_3_4_32_need_is_weak_and_used_only_by_the_link_time_marker()
    {
        LibTorchLoader.EnsureLoaded();
        var need = ElfVersionNeedPatcher.Inspect(File.ReadAllBytes(Library), LibTorchLoader.MarkerVersion);
        Assert.NotNull(need);
        Assert.True(need.IsWeak);
        Assert.Equal(["_ZSt21ios_base_library_initv"], need.Symbols);
    }

    [Fact]
    public void The_patcher_refuses_to_weaken_a_version_that_real_symbols_need()
    {
        var image = File.ReadAllBytes(Library);
        var error = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MakeWeak(image, "GLIBCXX_3.4.30", new HashSet<string>()));
        Assert.Contains("unsafe", error.Message);
    }

    [Fact]
    public void Patching_is_idempotent()
    {
        LibTorchLoader.EnsureLoaded();
        var before = File.ReadAllBytes(Library);
        Assert.Null(LibTorchLoader.TryPatch(Library));
        Assert.Equal(before, File.ReadAllBytes(Library));
    }
}
