namespace LspFineTune.Server.Presentation;

/// <summary>A framework's name as its users write it, for titles ("Train with LLaMA-Factory"), from the id the launch
/// command carries (<see cref="Core.Runs.LaunchCommand.Framework"/>).</summary>
public static class FrameworkNames
{
    public static string Of(string framework) => framework switch
    {
        "axolotl" => "axolotl",
        "llamafactory" => "LLaMA-Factory",
        "llamafactory-v1" => "LLaMA-Factory v1",
        "torchtune" => "torchtune",
        "trl" => "TRL",
        _ => framework,
    };
}
