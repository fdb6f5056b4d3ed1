using Xunit.Abstractions;

namespace PortfolioBackup.VerificationSuite.Fixtures;

/// <summary>
/// One theory case: a dump's file name (unique within BACKUP_DIR, so case names never collide), or the one case that
/// stands for "nothing to verify". Serializable so every dump is listed and reported as its own test.
/// </summary>
public sealed class DumpCase : IXunitSerializable
{
    /// <summary>The name of the case that reports why there is nothing to verify.</summary>
    public const string NothingToVerify = "(no dumps to verify)";

    /// <summary>For the serializer only.</summary>
    [Obsolete("For the xunit serializer only.")]
    public DumpCase()
    {
        FileName = NothingToVerify;
    }

    private DumpCase(string fileName) => FileName = fileName;

    /// <summary>The dump's file name in BACKUP_DIR, or <see cref="NothingToVerify"/>.</summary>
    public string FileName { get; private set; }

    /// <summary>True for the case that reports why there is nothing to verify.</summary>
    public bool IsNothingToVerify => FileName == NothingToVerify;

    /// <summary>One case per selected dump, or the single "nothing to verify" case (never zero cases).</summary>
    public static TheoryData<DumpCase> All() => Of(DumpSelection.For(SuiteSettings.FromEnvironment()).FileNames);

    /// <summary>The newest dump only, or the single "nothing to verify" case.</summary>
    public static TheoryData<DumpCase> Newest() =>
        Of(DumpSelection.For(SuiteSettings.FromEnvironment()).Newest is { } newest ? [newest] : []);

    /// <inheritdoc />
    public void Deserialize(IXunitSerializationInfo info) => FileName = info.GetValue<string>(nameof(FileName));

    /// <inheritdoc />
    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(FileName), FileName);

    /// <summary>The file name: what the test runner shows for the case.</summary>
    public override string ToString() => FileName;

    private static TheoryData<DumpCase> Of(IReadOnlyList<string> fileNames)
    {
        var data = new TheoryData<DumpCase>();
        foreach (var name in fileNames.Count > 0 ? fileNames : [NothingToVerify])
        {
            data.Add(new DumpCase(name));
        }

        return data;
    }
}
