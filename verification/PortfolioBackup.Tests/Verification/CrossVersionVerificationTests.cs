using PortfolioBackup.Backup;
using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Archive;
using PortfolioBackup.Tests.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary>Dumps verified on another PostgreSQL major in a container: newer targets read older dumps, older targets refuse newer dumps.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CrossVersionVerificationTests(PostgresServerFixture fixture, Postgres17ArchiveFixture postgres17)
    : IClassFixture<Postgres17ArchiveFixture>
{
    [Fact]
    public async Task A_PostgreSQL_15_backup_verified_on_postgres_17_is_healthy()
    {
        // Arrange
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var backup = await BackupRunner.RunAsync(BackupTestSupport.Settings(fixture, database, temp.Path), timeout.Token);

        // Act
        var report = await DumpVerifier.VerifyAsync([backup.DumpPath], ContainerOptions("postgres:17"), cancellationToken: timeout.Token);

        // Assert
        var verdict = report.Dumps.Should().ContainSingle().Subject;
        verdict.Healthy.Should().BeTrue(string.Join("; ", verdict.Failures.Select(f => $"{f.Name}: {f.Detail}")));
        verdict.Engine.Should().Be("container");
        verdict.ServerVersion.Should().StartWith("17.");
        backup.Manifest.PgDumpVersion.Should().Contain("15.");
        verdict.Tables.Select(t => ($"{t.Schema}.{t.Name}", t.Rows, t.ExpectedRows))
            .Should().BeEquivalentTo(PostgresServerFixture.SeedRowCounts.Select(c => (c.Key, c.Value, (long?)c.Value)));
    }

    [Fact]
    public async Task A_PostgreSQL_17_dump_verified_on_postgres_15_fails_naming_both_versions()
    {
        // Arrange
        using var temp = new TempDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var dump = await postgres17.DumpAsync(temp.Combine(BackupFileName.For(DateTimeOffset.UtcNow)));

        // Act
        // The postgres:17 fixture's database is not the portfolio app's: only the version is under test here.
        var options = ContainerOptions("postgres:15") with { Expectations = new VerificationExpectations { RequiredTables = [], MinimumRows = new Dictionary<string, long>() } };
        var report = await DumpVerifier.VerifyAsync([dump], options, cancellationToken: timeout.Token);

        // Assert
        var verdict = report.Dumps.Should().ContainSingle().Subject;
        verdict.Healthy.Should().BeFalse();
        verdict.ServerVersion.Should().StartWith("15.");
        var target = verdict.Checks.Should().ContainSingle(c => c.Name == "target").Subject;
        target.Status.Should().Be(CheckStatus.Fail, string.Join("; ", verdict.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        target.Detail.Should().Contain("pg_dump 17.").And.Contain($"PostgreSQL {verdict.ServerVersion}").And.Contain("postgres:15");
        verdict.Checks.Where(c => c.Name == "restore").Should().ContainSingle().Which.Detail.Should().StartWith("not run:");
    }

    private static VerificationOptions ContainerOptions(string image) => new()
    {
        Server = new RestoreServerOptions { Engine = RestoreEngine.Container, Image = image, StartTimeout = TimeSpan.FromMinutes(2) },
        Jobs = 2,
        DumpTimeout = TimeSpan.FromMinutes(5),
    };
}
