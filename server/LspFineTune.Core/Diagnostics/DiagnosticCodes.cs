namespace LspFineTune.Core.Diagnostics;

/// <summary>
/// Every diagnostic code in one place, so codes never collide and the README can document each.
/// Ranges: 00xx syntax, 01xx schema, 02xx binding (catalog and semantic), 03xx memory, 04xx hardware,
/// 05xx option combinations, 06xx runtime.
/// </summary>
public static class DiagnosticCodes
{
    // Syntax
    public const string SyntaxError = "LFT0001";
    public const string EmptyDocument = "LFT0002";
    public const string DuplicateKey = "LFT0003";
    public const string DocumentTooComplex = "LFT0004";
    public const string NotAMapping = "LFT0005";
    public const string BinaryContent = "LFT0006";
    public const string UnsupportedYamlFeature = "LFT0007";
    public const string MultipleDocuments = "LFT0008";
    public const string DocumentTooLarge = "LFT0009";

    // Schema
    public const string WrongType = "LFT0101";
    public const string UnknownKey = "LFT0102";
    public const string NotAllowedValue = "LFT0103";
    public const string MissingRequiredKey = "LFT0104";
    public const string OutOfRange = "LFT0105";
    public const string SchemaViolation = "LFT0106";
    public const string DeprecatedKey = "LFT0107";
    public const string RemovedKey = "LFT0108";

    // Binding: catalogs and meaning
    public const string UnknownModel = "LFT0201";
    public const string UnknownGpu = "LFT0202";
    public const string ModelSourceCount = "LFT0203";
    public const string ModelPathUnreadable = "LFT0204";
    public const string InvalidArchitecture = "LFT0205";
    public const string DataFileUnreadable = "LFT0206";
    public const string UnknownLoraTarget = "LFT0207";
    public const string SequenceBeyondTrainedContext = "LFT0208";
    public const string CompanionFileUnreadable = "LFT0209";
    public const string NotModelled = "LFT0210";
    public const string UnknownModelineSetting = "LFT0211";
    public const string PresetResolved = "LFT0212";
    public const string ModelResolvedByName = "LFT0213";

    // Memory
    public const string OutOfMemory = "LFT0301";
    public const string NearMemoryLimit = "LFT0302";
    public const string HostMemoryExceeded = "LFT0303";

    // Hardware capability
    public const string Bf16Unsupported = "LFT0401";
    public const string FlashAttentionUnsupported = "LFT0402";
    public const string Fp16OnCpu = "LFT0403";

    // Option combinations
    public const string OffloadParamsNeedsStage3 = "LFT0501";
    public const string ZeroWithOneGpu = "LFT0502";
    public const string QuantizationWithFullFineTune = "LFT0503";
    public const string LoraKeysWithoutLora = "LFT0504";
    public const string ZerothOrderKeysWithoutZerothOrder = "LFT0505";
    public const string OptimizerMethodMismatch = "LFT0506";
    public const string QuantizedZerothOrderOptimizer = "LFT0507";
    public const string AdaRankGradKeysWithoutAdaRankGrad = "LFT0508";
    public const string DeepSpeedValueMismatch = "LFT0509";
    public const string FrameworkRefuses = "LFT0510";
    public const string DeepSpeedOptimizerOverrides = "LFT0511";
    public const string FrameworkWarns = "LFT0512";

    /// <summary>Information: the trainer a TRL config is for was inferred (path, keys), since the file does not say it.</summary>
    public const string TrainerInferred = "LFT0515";

    // Runtime
    public const string NoDataSize = "LFT0601";
    public const string LengthsAssumed = "LFT0602";

    /// <summary>Warning (far below) or information (far past): the data set's size against where gains flatten on the
    /// data curve `lft data-curve` measured for this config.</summary>
    public const string DataSizeOnCurve = "LFT0603";
}
