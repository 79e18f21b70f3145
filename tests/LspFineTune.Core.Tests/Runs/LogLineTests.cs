using LspFineTune.Core.Runs;
using LspFineTune.Core.Runs.Logs;

namespace LspFineTune.Core.Tests.Runs;

/// <summary>
/// Each framework's log lines, written here exactly as the format strings at the pinned commits print them (the source
/// of each is named on its test), read into step, loss, speed and memory.
/// </summary>
public class LogLineTests
{
    private const double Gib = 1024d * 1024 * 1024;

    // transformers 5 (axolotl pins 5.14.1) ProgressCallback.on_log: floats as f"{v:.4g}", ints as they are, total_flos dropped.
    [Fact]
    public void A_transformers_5_log_line_with_axolotls_memory_keys_gives_loss_rate_and_the_peaks_in_bytes()
    {
        var reading = TrainerLogLine.Read("{'loss': '1.812', 'grad_norm': '0.5431', 'learning_rate': '1.998e-05', 'ppl': '6.123', 'memory/max_active (GiB)': '15.23', 'memory/max_allocated (GiB)': '15.23', 'memory/device_reserved (GiB)': '17.5', 'tokens/train_per_sec_per_gpu': '2345', 'tokens/trainable': 123456, 'epoch': '0.04'}")!;
        Assert.Equal((1.812, 1.998e-05, 0.5431, 0.04), (reading.Loss, reading.LearningRate, reading.GradNorm, reading.Epoch));
        Assert.Equal((long)Math.Round(15.23 * Gib), reading.PeakAllocatedBytes);
        Assert.Equal((long)Math.Round(17.5 * Gib), reading.PeakReservedBytes);
        Assert.Equal(2345, reading.TokensPerSecondPerGpu);
        Assert.Contains("axolotl", reading.MemorySource);
    }

    // transformers 4 ProgressCallback.on_log: str(logs) with the epoch rounded to 2 places; numpy 2 scalars print as np.float64(x).
    [Theory]
    [InlineData("{'loss': 1.8123, 'grad_norm': 0.543117105960846, 'learning_rate': 1.9980267284282718e-05, 'epoch': 0.04}", 1.8123)]
    [InlineData("{'loss': np.float64(1.8123), 'grad_norm': 0.54, 'learning_rate': 2e-05, 'epoch': 0.04}", 1.8123)]
    [InlineData("{'loss': nan, 'grad_norm': nan, 'learning_rate': 2e-05, 'epoch': 0.04}", double.NaN)]
    public void A_transformers_4_log_line_keeps_the_numbers_as_numbers(string line, double loss)
    {
        var reading = TrainerLogLine.Read(line)!;
        Assert.Equal(loss, reading.Loss!.Value);
        Assert.Equal(0.04, reading.Epoch);
    }

    [Fact]
    public void The_trainers_end_of_training_line_gives_the_runtime_and_the_mean_speed()
    {
        var reading = TrainerLogLine.Read("{'train_runtime': '123.4', 'train_samples_per_second': '8.123', 'train_steps_per_second': '0.508', 'train_loss': '1.734', 'epoch': '1'}")!;
        Assert.Equal((123.4, 8.123, 0.508, 1.734), (reading.TrainRuntimeSeconds, reading.SamplesPerSecond, reading.StepsPerSecond, reading.TrainLoss));
    }

    // LLaMA-Factory LogCallback in web UI mode: logger.info_rank0("{" + log_str + "}") behind its formatter
    // "[%(levelname)s|%(asctime)s] %(filename)s:%(lineno)s >> %(message)s" (extras/logging.py 39-41).
    [Fact]
    public void LLaMA_Factorys_logged_dict_is_read_after_its_logger_prefix()
    {
        var reading = TrainerLogLine.Read("[INFO|2026-08-18 19:49:47] callbacks.py:307 >> {'loss': 1.2346, 'learning_rate': 9.8000e-05, 'epoch': 0.10, 'throughput': 1234.57}")!;
        Assert.Equal((1.2346, 9.8e-05, 1234.57), (reading.Loss, reading.LearningRate, reading.TokensPerSecond));
    }

    [Theory]
    [InlineData("Loading checkpoint shards: 100%")]
    [InlineData("{'loss': 1.2, 'nested': {'a': 1}")]
    [InlineData("{\"loss\": 1.2}")]
    [InlineData("{'loss': 1.2} trailing")]
    [InlineData("{'weird': }")]
    [InlineData("{}")]
    public void Lines_that_are_not_the_trainers_dict_are_not_read(string line) => Assert.Null(TrainerLogLine.Read(line));

    // tqdm format_meter: '{desc}: {percentage:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{postfix}]'.
    [Theory]
    [InlineData(" 12%|█▏        | 12/100 [00:24<02:56,  2.01s/it]", "", 12, 100L, 1 / 2.01, 176.0)]
    [InlineData(" 45%|████▌     | 45/100 [00:10<00:12,  4.42it/s]", "", 45, 100L, 4.42, 12.0)]
    [InlineData("1|12|Loss: 1.7342091798782349:  24%|██▍       | 12/50 [00:30<01:35,  2.51s/it]", "1|12|Loss: 1.7342091798782349", 12, 50L, 1 / 2.51, 95.0)]
    [InlineData("  0%|          | 0/100 [00:00<?, ?it/s]", "", 0, 100L, null, null)]
    [InlineData("Training: 7it [01:02:03,  1.50it/s, loss=1.2]", "Training", 7, null, 1.5, null)]
    public void A_tqdm_bar_gives_its_count_total_rate_and_remaining_time(string segment, string description, long count, long? total, double? perSecond, double? remaining)
    {
        var bar = TqdmLine.Read(segment)!;
        Assert.Equal((description, count, total), (bar.Description, bar.Count, bar.Total));
        Assert.Equal(perSecond is null, bar.PerSecond is null);
        if (perSecond is { } rate)
            Assert.Equal(rate, bar.PerSecond!.Value, 6);
        Assert.Equal(remaining, bar.RemainingSeconds);
    }

    [Fact]
    public void A_bar_counted_in_examples_is_not_read()
    {
        Assert.Null(TqdmLine.Read("Map: 100%|██████████| 1000/1000 [00:00<00:00, 9873.11 examples/s]"));
        Assert.Null(TqdmLine.Read("just a line with 12/100 in it"));
    }

    // torchtune StdoutLogger.log_dict: print(f"Step {step} | ", end="") then f"{name}:{data} " per entry, then "\n".
    [Fact]
    public void A_torchtune_metrics_line_gives_step_loss_speed_and_peak_memory()
    {
        var reading = TorchtuneLogLine.Read("Step 12 | loss:1.7342091798782349 lr:0.0003 tokens_per_second_per_gpu:2481.1875 peak_memory_active:9.853456497192383 peak_memory_alloc:9.853456497192383 peak_memory_reserved:11.5234375 ")!;
        Assert.Equal((12L, 1.7342091798782349, 0.0003, 2481.1875), (reading.Step, reading.Loss, reading.LearningRate, reading.TokensPerSecondPerGpu));
        Assert.Equal((long)Math.Round(9.853456497192383 * Gib), reading.PeakAllocatedBytes);
        Assert.Equal((long)Math.Round(11.5234375 * Gib), reading.PeakReservedBytes);
    }

    [Fact]
    public void Torchtunes_disk_logger_says_where_its_metrics_go_and_its_bar_says_the_step_and_loss()
    {
        Assert.Equal("/tmp/torchtune/llama3_2_1B/lora_single_device/logs/log_1745432123.txt",
            TorchtuneLogLine.Read("Writing logs to /tmp/torchtune/llama3_2_1B/lora_single_device/logs/log_1745432123.txt")!.MetricsFile);
        var step = TorchtuneLogLine.ReadBarDescription("2|61|Loss: 1.52")!;
        Assert.Equal((61L, 2.0, 1.52), (step.Step, step.Epoch, step.Loss));
        Assert.Null(TorchtuneLogLine.Read("Step 3 | nothing here"));
    }

    // DeepSpeed: "[%(asctime)s] [%(levelname)s] [%(filename)s:%(lineno)d:%(funcName)s] %(message)s" with "[Rank 0] " from get_dist_msg.
    [Fact]
    public void DeepSpeeds_engine_and_throughput_lines_give_the_step_rate_speed_and_peak()
    {
        var progress = DeepSpeedLogLine.Read("[2026-08-22 12:19:04,123] [INFO] [logging.py:123:log_dist] [Rank 0] step=10, skipped=0, lr=[1.9980267284282718e-05], mom=[(0.9, 0.999)]")!;
        Assert.Equal((10L, 1.9980267284282718e-05), (progress.Step, progress.LearningRate));
        var timer = DeepSpeedLogLine.Read("[2026-08-22 12:19:04,456] [INFO] [timer.py:264:stop] epoch=0/micro_step=40/global_step=10, RunningAvgSamplesPerSec=15.234567, CurrSamplesPerSec=15.4, MemAllocated=14.51GB, MaxMemAllocated=21.07GB")!;
        Assert.Equal((10L, 15.234567), (timer.Step, timer.SamplesPerSecond));
        Assert.Equal((long)Math.Round(21.07 * Gib), timer.PeakAllocatedBytes);
        // see_memory_usage: the f-string's line continuations keep the next lines' indentation.
        var usage = DeepSpeedLogLine.Read("MA 14.51 GB         Max_MA 21.07 GB         CA 22.0 GB         Max_CA 23 GB ")!;
        Assert.Equal(((long)Math.Round(21.07 * Gib), (long)Math.Round(23 * Gib)), (usage.PeakAllocatedBytes, usage.PeakReservedBytes));
    }

    // LLaMA-Factory LogCallback._write_log: json.dumps(logs) per line; RECORD_VRAM adds vram_allocated/vram_reserved (GiB).
    [Fact]
    public void LLaMA_Factorys_trainer_log_gives_the_recorded_peak()
    {
        var reading = LlamaFactoryTrainerLog.Read("{\"current_steps\": 10, \"total_steps\": 100, \"loss\": 1.2345, \"lr\": 9.8e-05, \"epoch\": 0.1, \"percentage\": 10.0, \"elapsed_time\": \"0:00:30\", \"remaining_time\": \"0:04:30\", \"throughput\": 1523.4, \"total_tokens\": 45678, \"vram_allocated\": 15.23, \"vram_reserved\": 17.5}")!;
        Assert.Equal((10L, 100L, 1.2345, 1523.4), (reading.Step, reading.TotalSteps, reading.Loss, reading.TokensPerSecond));
        Assert.Equal((long)Math.Round(17.5 * Gib), reading.PeakReservedBytes);
        Assert.Null(LlamaFactoryTrainerLog.Read("{not json"));
    }

    [Fact]
    public void A_trainer_run_reports_each_step_of_its_training_bar_and_ignores_checkpoint_eval_and_dataset_bars()
    {
        var progress = new RunProgress(LogFormats.HuggingFaceTrainer);
        var steps = new List<ProgressStep>();
        void Feed(string segment)
        {
            if (progress.Feed(segment) is { } step)
                steps.Add(step);
        }
        Feed("Loading checkpoint shards: 100%|██████████| 4/4 [00:05<00:00,  1.30s/it]");
        Feed("Map: 100%|██████████| 1000/1000 [00:00<00:00, 9873.11 examples/s]");
        Feed("  0%|          | 0/10 [00:00<?, ?it/s]");
        Feed(" 10%|█         | 1/10 [00:02<00:18,  2.01s/it]");
        Feed("{'loss': '2.5', 'grad_norm': '1.2', 'learning_rate': '2e-05', 'memory/max_active (GiB)': '15', 'memory/max_allocated (GiB)': '15', 'memory/device_reserved (GiB)': '17', 'epoch': '0.1'}");
        Feed(" 20%|██        | 2/10 [00:04<00:16,  2.00s/it]");
        Feed(" 50%|█████     | 2/4 [00:01<00:01,  1.90it/s]");
        Feed("{'eval_loss': '2.4', 'eval_runtime': '2.1', 'epoch': '0.2'}");
        Feed("{'loss': '2.1', 'grad_norm': '1.0', 'learning_rate': '1e-05', 'memory/max_active (GiB)': '16', 'memory/max_allocated (GiB)': '16', 'memory/device_reserved (GiB)': '16.5', 'epoch': '0.2'}");
        Feed(" 30%|███       | 3/10 [00:06<00:14,  2.00s/it]");
        Feed("100%|██████████| 10/10 [00:20<00:00,  2.00s/it]");
        Feed("{'train_runtime': '20.5', 'train_samples_per_second': '3.9', 'train_steps_per_second': '0.488', 'train_loss': '2.2', 'epoch': '1'}");

        Assert.Equal([1L, 2, 3, 10], steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.Equal(10, s.TotalSteps));
        Assert.Equal(2.5, steps[1].Loss);
        Assert.Equal(2.1, steps[2].Loss);
        var measured = progress.Measured;
        Assert.Equal((10L, 10L, 2.1, 2.4), (measured.Steps, measured.TotalSteps, measured.FinalLoss, measured.EvalLoss));
        // The highest of the reports: each one resets the CUDA peak.
        Assert.Equal(((long)(16 * Gib), (long)(17 * Gib)), (measured.PeakAllocatedBytes, measured.PeakReservedBytes));
        Assert.Equal((0.488, 20.5), (measured.StepsPerSecond, measured.TrainRuntimeSeconds));
    }

    [Fact]
    public void A_torchtune_run_reports_steps_from_its_bar_and_metrics_lines_and_reads_its_disk_log_at_the_end()
    {
        var progress = new RunProgress(LogFormats.Torchtune);
        Assert.Null(progress.Feed("Writing logs to /tmp/out/logs/log_1.txt"));
        Assert.Equal(1, progress.Feed("1|1|Loss: 2.31:   2%|▏         | 1/50 [00:02<01:38,  2.01s/it]")!.Step);
        Assert.Equal(2.31, progress.Measured.FinalLoss);
        Assert.Null(progress.Feed("1|1|Loss: 2.31:   2%|▏         | 1/50 [00:02<01:38,  2.01s/it]"));
        var second = progress.Feed("Step 2 | loss:2.2 lr:0.0003 tokens_per_second_per_gpu:2000.5 peak_memory_active:9.5 peak_memory_alloc:9.5 peak_memory_reserved:11.0 ")!;
        Assert.Equal((2L, 2000.5, (long)(11 * Gib)), (second.Step, second.TokensPerSecondPerGpu, second.PeakBytes));
        progress.FeedFile(["Step 3 | loss:2.1 lr:0.0003 tokens_per_second_per_gpu:2100 peak_memory_active:9.7 peak_memory_alloc:9.7 peak_memory_reserved:12.0 "]);
        Assert.Equal(((long)(12 * Gib), "/tmp/out/logs/log_1.txt"), (progress.Measured.PeakReservedBytes, progress.Measured.MetricsFile));
    }

    [Fact]
    public void Parsers_of_other_frameworks_are_not_asked()
    {
        var progress = new RunProgress(LogFormats.HuggingFaceTrainer);
        Assert.Null(progress.Feed("Step 2 | loss:2.2 lr:0.0003 tokens_per_second_per_gpu:2000.5 "));
        Assert.Null(progress.Measured.Steps);
    }
}
