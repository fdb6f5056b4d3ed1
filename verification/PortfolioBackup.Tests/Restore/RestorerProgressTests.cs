using System.Collections.Concurrent;
using PortfolioBackup.Restore;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Restore;

[Collection(PostgresCollection.Name)]
public sealed class RestorerProgressTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task Progress_counts_table_of_contents_entries_up_to_the_total()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        var reports = new ConcurrentQueue<RestoreProgress>();
        RestorePlan? shown = null;
        var options = new RestoreOptions
        {
            DumpPath = backup.DumpPath,
            Target = new RestoreTarget { Connection = RestoreTestData.Connection(fixture, database) },
            SafetyBackup = false,
            ConfirmAsync = (plan, _) =>
            {
                shown = plan;
                return Task.FromResult(true);
            },
            RestoreProgress = reports.Enqueue,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // Act
        var result = await Restorer.RunAsync(options, timeout.Token);

        // Assert
        result.RowCountsMatch.Should().BeTrue();
        shown!.TocEntries.Should().BeGreaterThan(20);
        var done = reports.Select(r => r.Done).ToList();
        done.Should().HaveCountGreaterThan(10).And.BeInAscendingOrder();
        done.Should().OnlyContain(d => d <= shown.TocEntries);
        reports.Last().Should().Be(new RestoreProgress(shown.TocEntries, shown.TocEntries, "done"));
        reports.Should().Contain(r => r.Current.Contains("processing data for table \"public.images\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Declining_the_plan_changes_nothing()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        await fixture.ExecuteAsync(database, RestoreTestData.ChangeDataSql);
        var before = await RestoreTestData.CountsAsync(fixture, database);
        var options = new RestoreOptions
        {
            DumpPath = backup.DumpPath,
            Target = new RestoreTarget { Connection = RestoreTestData.Connection(fixture, database) },
            BackupDirectory = backups.Path,
            ConfirmAsync = (_, _) => Task.FromResult(false),
        };

        // Act
        var act = () => Restorer.RunAsync(options);

        // Assert
        await act.Should().ThrowAsync<RestoreDeclinedException>().WithMessage("*was not changed*");
        (await RestoreTestData.CountsAsync(fixture, database)).Should().Equal(before);
        Directory.GetFiles(backups.Path, "pre-restore_*").Should().BeEmpty();
    }
}
