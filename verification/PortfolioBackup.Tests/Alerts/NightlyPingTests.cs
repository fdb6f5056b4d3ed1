using System.Text.Json;
using PortfolioBackup.Tests.Fixtures;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>The nightly verification through test_restore.sh (the xunit suite) pings and notifies like the CLI does.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NightlyPingTests(PostgresServerFixture fixture)
{
    [Fact(Timeout = 600_000)]
    public async Task Test_restore_sends_start_and_success_pings_and_on_an_unhealthy_dump_a_fail_ping_and_a_notification_naming_it()
    {
        // Arrange: a real backup, then the nightly verification with a stand-in healthchecks.io and webhook.
        await using var endpoint = new RecordingHttpServer();
        var database = await fixture.CreateDatabaseAsync();
        using var temp = new TempDirectory();
        var backupDir = temp.Combine("backups");
        var backup = await OperatorScripts.RunAsync("backup_db.sh", fixture.CliEnvironment(database, backupDir), temp.Path);
        backup.ExitCode.Should().Be(0, backup.StandardError);
        var dump = Directory.GetFiles(backupDir, "backup_*.dump").Single();
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["BACKUP_DIR"] = backupDir,
            ["VERIFY_ENGINE"] = "local",
            ["VERIFY_SNAPSHOT_DIR"] = temp.Combine("snapshots"),
            ["RESULTS_DIR"] = temp.Combine("results"),
            ["DB_PASSWORD"] = null,
            ["VERIFY_PING_URL"] = endpoint.Url("/ping/nightly-uuid"),
            ["NOTIFY_URL"] = endpoint.Url("/notify"),
        };

        // Act: a healthy night, then a night whose manifest no longer matches the dump.
        var healthy = await OperatorScripts.RunAsync("test_restore.sh", environment, temp.Path);
        var healthyRequests = endpoint.Requests;
        var manifest = dump + ".manifest.json";
        var recorded = PortfolioBackup.Backup.BackupManifest.FromJson(File.ReadAllText(manifest), manifest);
        File.WriteAllText(manifest, (recorded with { Tables = [.. recorded.Tables!.Select(t => t.Name == "users" ? t with { Rows = t.Rows + 1 } : t)] }).ToJson());
        var unhealthy = await OperatorScripts.RunAsync("test_restore.sh", environment, temp.Path);

        // Assert
        healthy.ExitCode.Should().Be(0, healthy.StandardOutput + healthy.StandardError);
        healthyRequests.Select(r => r.Path).Should().Equal("/ping/nightly-uuid/start", "/ping/nightly-uuid");
        healthyRequests[1].Body.Should().Contain("1 of 1 dump(s) healthy");
        healthyRequests[0].Query("rid").Should().NotBeNullOrEmpty().And.Be(healthyRequests[1].Query("rid"), "healthchecks.io pairs a start with its end by rid");
        unhealthy.ExitCode.Should().Be(1, unhealthy.StandardOutput + unhealthy.StandardError);
        var later = endpoint.Requests.Skip(healthyRequests.Count).ToList();
        later.Select(r => r.Path).Should().StartWith("/ping/nightly-uuid/start").And.BeEquivalentTo(["/ping/nightly-uuid/start", "/ping/nightly-uuid/fail", "/notify"], "the end's ping and notification go out at once");
        var notification = JsonDocument.Parse(later.Single(r => r.Path == "/notify").Body).RootElement;
        notification.GetProperty("event").GetString().Should().Be("dump-unhealthy");
        notification.GetProperty("file").GetString().Should().Be(Path.GetFileName(dump));
        notification.GetProperty("check").GetString().Should().Contain("public.users");
        endpoint.Requests.Should().OnlyContain(r => !r.Body.Contains(fixture.Password, StringComparison.Ordinal));
    }
}
