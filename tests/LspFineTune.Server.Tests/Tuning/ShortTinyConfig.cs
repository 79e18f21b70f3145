namespace LspFineTune.Server.Tests.Tuning;

/// <summary>The tiny example's model and data on a short schedule, with comments next to the keys a search edits: the
/// search's mechanics (trials, scores, edits), not its quality, in seconds.</summary>
public static class ShortTinyConfig
{
    public static string Text(string name, int maxSteps = 10, bool eval = true) => $"""
        # a short schedule: the search's mechanics, not its quality
        model:
          path: {Repo.Example("models/tiny")}
          dtype: fp32
        hardware:
          gpu: cpu
        method:
          type: lora
          lora:
            rank: 4   # small on purpose
            alpha: 8
            target_modules: [q_proj, v_proj]
        optimizer:
          type: adamw
          learning_rate: 1.0e-3   # the rate to search around
          lr_scheduler: cosine
          warmup_steps: 1
        training:
          micro_batch_size: 4
          sequence_length: 64
          max_steps: {maxSteps}
          seed: 3
        data:
          train: {Repo.Example("data/tiny-train.jsonl")}
        {(eval ? $"  eval: {Repo.Example("data/tiny-eval.jsonl")}" : "")}
        output:
          dir: ./run-{name}
          save_every_steps: 1000
          eval_every_steps: 1000
        """;
}
