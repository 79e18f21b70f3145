namespace LspFineTune.Server.Training;

/// <summary>
/// The trainer as it is started: <paramref name="Host"/> (the absolute path of <c>dotnet</c>) runs
/// <paramref name="Assembly"/> (the absolute path of an lft-train.dll whose identity was checked, see TrainerIdentity).
/// </summary>
public sealed record TrainerProgram(string Host, string Assembly);
