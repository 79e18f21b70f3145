namespace LspFineTune.Trainer.Data;

/// <summary>What to do with a data line that is not a usable example: report it and go on, or stop.</summary>
public enum BadLinePolicy { Skip, Fail }
