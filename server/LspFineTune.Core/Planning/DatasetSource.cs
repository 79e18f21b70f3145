namespace LspFineTune.Core.Planning;

/// <summary>What the records of a dataset hold, as its framework reads them.</summary>
public enum DatasetFormat
{
    /// <summary>One text field, trained on every token (axolotl <c>completion</c>, TRL's <c>dataset_text_field</c>).</summary>
    Text,

    /// <summary>A prompt field and a completion field, trained on the completion (TRL's prompt-completion records).</summary>
    PromptCompletion,

    /// <summary>Instruction, optional input and output fields (axolotl <c>alpaca</c>, LLaMA-Factory <c>formatting: alpaca</c>).</summary>
    Alpaca,

    /// <summary>A list of role/content messages (axolotl <c>chat_template</c>, LLaMA-Factory <c>sharegpt</c>, TRL <c>messages</c>).</summary>
    Chat,
}

/// <summary>Whose rules turn the records into text: each framework has its own templates and loss masks.</summary>
public enum DatasetFramework { Axolotl, LlamaFactory, Trl }

/// <summary>
/// The field names a dataset's records use, with the framework's defaults filled in by the binder. Only the fields of
/// the source's <see cref="DatasetFormat"/> are read.
/// </summary>
public sealed record DatasetFields
{
    /// <summary>Text records: axolotl completion's <c>field</c>, TRL's <c>dataset_text_field</c>.</summary>
    public string Text { get; init; } = "text";

    /// <summary>Prompt-completion records (TRL).</summary>
    public string Prompt { get; init; } = "prompt";

    public string Completion { get; init; } = "completion";

    /// <summary>Alpaca records: the instruction, the optional input (LLaMA-Factory's <c>prompt</c>/<c>query</c> columns) and the output.</summary>
    public string Instruction { get; init; } = "instruction";

    public string? Input { get; init; } = "input";

    public string Output { get; init; } = "output";

    /// <summary>A per-record system prompt column (LLaMA-Factory <c>columns.system</c>); null: none.</summary>
    public string? System { get; init; }

    /// <summary>LLaMA-Factory alpaca <c>history</c>: earlier [prompt, response] pairs; null: none.</summary>
    public string? History { get; init; }

    /// <summary>Chat records: the list of messages and, in each, the role and content properties.</summary>
    public string Messages { get; init; } = "messages";

    public string Role { get; init; } = "role";

    public string Content { get; init; } = "content";

    /// <summary>The role names as written in the records, mapped to user, assistant, system, tool or function.</summary>
    public IReadOnlyDictionary<string, string> Roles { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The roles whose turns are trained (axolotl <c>roles_to_train</c>).</summary>
    public IReadOnlyList<string> RolesToTrain { get; init; } = ["assistant"];

    /// <summary>axolotl <c>train_on_eos</c>: <c>turn</c> (the end of each trained turn), <c>all</c>, <c>last</c> or <c>none</c>.</summary>
    public string TrainOnEos { get; init; } = "turn";
}

/// <summary>
/// One dataset a framework config names, resolved as far as the editor can: where its records are (the local files),
/// what they hold, and how the framework renders them, so the bundled trainer trains on the text the framework would.
/// A source the trainer cannot read here (a hub id, a URL, a type it does not render) carries the one line that says so.
/// </summary>
public sealed record DatasetSource
{
    public required DatasetFramework Framework { get; init; }

    /// <summary>Where it is written, as the user finds it: <c>datasets[0].path</c>, <c>dataset: alpaca_demo</c>.</summary>
    public required string Setting { get; init; }

    /// <summary>The dataset as written: a path, a hub id, a URL or a dataset_info.json name.</summary>
    public required string Location { get; init; }

    /// <summary>The record files, absolute, in the order they are read; empty when the dataset is not local.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Why the bundled trainer cannot read it and what to do instead; null when it can.</summary>
    public string? Refusal { get; init; }

    public DatasetFormat Format { get; init; } = DatasetFormat.Text;

    /// <summary>The framework's name for the type as written (<c>alpaca</c>, <c>alpaca:chatml</c>, <c>sharegpt</c>), for messages.</summary>
    public string TypeName { get; init; } = "";

    public DatasetFields Fields { get; init; } = new();

    /// <summary>
    /// The prompt template: axolotl's alpaca prompt style (<c>instruct</c>, <c>chat</c>, <c>chatml</c>, <c>phi</c>) or
    /// <c>chat_template</c> choice; LLaMA-Factory's <c>template</c>; null: the framework's default for the format.
    /// </summary>
    public string? Template { get; init; }

    /// <summary>Loss on the prompt too (axolotl <c>train_on_inputs</c>, LLaMA-Factory <c>train_on_prompt</c>).</summary>
    public bool TrainOnInputs { get; init; }
}
