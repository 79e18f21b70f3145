namespace LspFineTune.Core.Syntax;

public enum DocumentFormat
{
    Yaml,
    Json,
}
