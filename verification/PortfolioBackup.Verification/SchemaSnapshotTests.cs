using PortfolioBackup.VerificationSuite.Fixtures;
using Xunit.Sdk;

namespace PortfolioBackup.VerificationSuite;

/// <summary>
/// The newest dump's tables (columns with types and NOT NULL) and extensions (with versions) match the database's recorded
/// snapshot, so schema drift shows up as a diff to review, with the command that accepts it (see README.md).
/// </summary>
[Collection(RestoredDumpsCollection.Name)]
public sealed class SchemaSnapshotTests(RestoredDatabases databases)
{
    [Theory]
    [MemberData(nameof(DumpCase.Newest), MemberType = typeof(DumpCase))]
    public async Task Newest_dump_has_the_recorded_schema(DumpCase dump)
    {
        // Arrange
        databases.ShouldHaveSomethingToVerify();
        var verdict = await databases.VerifyAsync(dump);
        verdict.Schema.Should().NotBeNull($"the dump restored, so its schema was read ({string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}"))})");
        var snapshot = new SchemaSnapshot(verdict.Database ?? "unknown", verdict.Schema!);

        // Act: one snapshot per source database, so the sample's never stands in for production's.
        var problem = await snapshot.CompareOrRecordAsync(databases.Settings.SnapshotDirectory ?? SchemaSnapshot.SampleFolder(), databases.Settings.StrictSnapshots);

        // Assert
        if (problem is not null)
        {
            throw new XunitException(problem);
        }
    }
}
