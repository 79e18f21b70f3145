using LspFineTune.Trainer;
using LspFineTune.Trainer.Native;
using TorchSharp;

try
{
    LibTorchLoader.EnsureLoaded();
    using var x = torch.ones(2, 3);
    Console.WriteLine(x.sum().item<float>());
    return 0;
}
catch (TrainerException ex)
{
    Console.Error.WriteLine($"lft-train: {ex.Message}");
    return ex.ExitCode;
}
