namespace LspFineTune.Core.Planning;

/// <summary>Weight and compute precision (<c>model.dtype</c>).</summary>
public enum WeightDtype { Fp32, Fp16, Bf16 }

/// <summary>Storage of the frozen base weights (<c>model.quantization</c>); nf4 with LoRA is QLoRA.</summary>
public enum Quantization { None, Int8, Nf4 }

/// <summary><c>method.type</c>.</summary>
public enum FineTuneMethod { Full, Lora, ZerothOrder }

/// <summary><c>optimizer.type</c>.</summary>
public enum OptimizerType { AdamW, AdamW8bit, Sgd, Adafactor, ZoSgd, AdaRankGrad }

/// <summary><c>optimizer.lr_scheduler</c>.</summary>
public enum LrScheduler { Constant, Linear, Cosine }

/// <summary><c>training.attention</c>: eager materialises the s x s scores; sdpa and flash do not.</summary>
public enum AttentionKind { Eager, Sdpa, Flash }

/// <summary>The engine that partitions the model states: none (DDP or one GPU), DeepSpeed, or PyTorch FSDP.</summary>
public enum ShardingEngine { None, DeepSpeed, Fsdp }

/// <summary>Where DeepSpeed offloads optimizer states or parameters.</summary>
public enum OffloadTarget { None, Cpu, Nvme }

public static class PlanEnumNames
{
    /// <summary>The spelling a config uses for an enum value (snake_case, as in CONFIG.md).</summary>
    public static string ToConfigName<TEnum>(this TEnum value) where TEnum : struct, Enum => ToConfigName((Enum)value);

    /// <summary>The native spelling of a boxed plan enum value (a <see cref="Dialects.PlanChange"/> holds them boxed).</summary>
    public static string ToConfigName(Enum value) => value switch
    {
        OptimizerType.AdamW => "adamw",
        OptimizerType.AdamW8bit => "adamw_8bit",
        OptimizerType.ZoSgd => "zo_sgd",
        FineTuneMethod.ZerothOrder => "zeroth_order",
        _ => value.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a config spelling back to the enum value, or null.</summary>
    public static TEnum? FromConfigName<TEnum>(string text) where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToConfigName(), text, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        return null;
    }
}
