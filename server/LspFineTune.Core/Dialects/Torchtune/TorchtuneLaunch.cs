using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// What a torchtune config's leading comment block says about its launch (upstream configs carry them in their header):
/// the first <c>tune run [--nnodes N] [--nproc_per_node N] RECIPE --config NAME</c> line (torchrun flags before the
/// recipe) and the <c>tune download HF_ID</c> line that names the checkpoint the config expects.
/// </summary>
public sealed record TorchtuneLaunch
{
    public static readonly TorchtuneLaunch None = new();

    public string? Recipe { get; init; }

    public string? ConfigName { get; init; }

    public int? GpusPerNode { get; init; }

    public int? Nodes { get; init; }

    /// <summary>The <c>tune run</c> command's range (where a GPU count from it is reported).</summary>
    public TextRange? RunRange { get; init; }

    public string? DownloadId { get; init; }

    public TextRange? DownloadRange { get; init; }

    /// <summary>Reads the comment lines before the first key (blank lines included); a later comment is not a header.</summary>
    public static TorchtuneLaunch Parse(string text)
    {
        var result = None;
        var lines = text.Split('\n');
        for (var line = 0; line < lines.Length; line++)
        {
            var content = lines[line].TrimEnd('\r');
            var trimmed = content.TrimStart();
            if (trimmed.Length == 0)
                continue;
            if (!trimmed.StartsWith('#'))
                break;
            var body = trimmed.TrimStart('#', ' ', '\t');
            var column = content.Length - body.Length;
            if (result.RunRange is null && body.StartsWith("tune run ", StringComparison.Ordinal))
                result = ReadRun(result, body, line, column);
            else if (result.DownloadId is null && body.StartsWith("tune download ", StringComparison.Ordinal))
            {
                var words = body.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length > 2 && !words[2].StartsWith('-'))
                    result = result with { DownloadId = words[2], DownloadRange = TextRange.FromBounds(line, column, line, column + body.TrimEnd().Length) };
            }
        }
        return result;
    }

    private static TorchtuneLaunch ReadRun(TorchtuneLaunch result, string body, int line, int column)
    {
        var words = body.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? recipe = null, config = null;
        int? gpus = null, nodes = null;
        for (var i = 2; i < words.Length; i++)
        {
            var word = words[i];
            var (name, inline) = word.Contains('=') ? (word[..word.IndexOf('=')], word[(word.IndexOf('=') + 1)..]) : (word, null);
            string? Next() => inline ?? (i + 1 < words.Length ? words[++i] : null);
            switch (name)
            {
                case "--nproc_per_node" or "--nproc-per-node":
                    gpus = int.TryParse(Next(), out var n) && n > 0 ? n : gpus;
                    break;
                case "--nnodes":
                    nodes = int.TryParse(Next()?.Split(':')[0], out var m) && m > 0 ? m : nodes;
                    break;
                case "--config":
                    config = Next();
                    break;
                default:
                    if (recipe is null && !word.StartsWith('-') && config is null)
                        recipe = word;
                    else if (word.StartsWith("--", StringComparison.Ordinal) && recipe is null && !word.Contains('=') && i + 1 < words.Length && !words[i + 1].StartsWith('-') && IsTorchrunFlagWithValue(name))
                        i++;
                    break;
            }
        }
        if (recipe is null)
            return result;
        return result with
        {
            Recipe = recipe,
            ConfigName = config,
            GpusPerNode = gpus,
            Nodes = nodes,
            RunRange = TextRange.FromBounds(line, column, line, column + body.TrimEnd().Length),
        };
    }

    /// <summary>torchrun flags that take a value (so the value is not taken for the recipe).</summary>
    private static bool IsTorchrunFlagWithValue(string flag) => flag is "--rdzv_backend" or "--rdzv-backend" or "--rdzv_endpoint" or "--rdzv-endpoint"
        or "--rdzv_id" or "--rdzv-id" or "--master_addr" or "--master_port" or "--node_rank" or "--max_restarts" or "--log_dir";
}
