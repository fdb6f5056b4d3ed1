using PortfolioBackup.Backup;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Restore;

/// <summary>Restores into a running postgres:15 container found by its compose service label, as operators do with docker compose exec.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoreIntoContainerTests(PostgresServerFixture fixture)
{
    private const string ContainerPassword = "ctr-pw-Zq81x";

    [Fact]
    public async Task Restore_into_a_container_found_by_compose_label_creates_then_replaces_the_database()
    {
        // Arrange
        using var backups = new TempDirectory();
        var source = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, source, backups.Path);
        var service = "db-" + Guid.NewGuid().ToString("N")[..10];
        var container = await StartContainerAsync(service);
        try
        {
            var environment = fixture.CliEnvironment(source, backups.Path);
            environment["DB_PASSWORD"] = ContainerPassword;
            string[] args = ["restore", backup.DumpPath, "--compose-service", service, "--target-db", "portfolio", "--yes"];

            // Act
            var first = await CliRunner.RunAsync(environment, args);
            await PsqlAsync(container, "DELETE FROM public.images WHERE id % 2 = 0; CREATE TABLE public.marker (x int)");
            var second = await CliRunner.RunAsync(environment, args);

            // Assert
            first.ExitCode.Should().Be(0, first.AllOutput);
            first.Output.Should().Contain($"in container {container} (compose service {service})").And.Contain("created database portfolio")
                .And.Contain("row counts: all 10 tables match the manifest");
            second.ExitCode.Should().Be(0, second.AllOutput);
            second.Output.Should().Contain("row counts: all 10 tables match the manifest").And.Contain($"--container {container}");
            (await PsqlAsync(container, "SELECT count(*) FROM public.images")).Should().Be("137");
            var safety = Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*.dump").Should().ContainSingle().Subject;
            (await BackupManifest.ReadForDumpAsync(safety))!.Database.Should().Be("portfolio");
            (await PsqlAsync(container, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'marker'")).Should().Be("1", "the safety backup was taken before the restore");
            (await ToolRunner.RunAsync(new ToolInvocation("docker", ["exec", container, "sh", "-c", "ls /tmp | grep -c portfolio-restore || true"]))).StandardOutput.Trim()
                .Should().Be("0", "the copies made in the container are removed");
            (first.AllOutput + second.AllOutput).Should().NotContain(ContainerPassword).And.NotContain(fixture.Password);
        }
        finally
        {
            await ToolRunner.RunAsync(new ToolInvocation("docker", ["rm", "-f", "-v", container]));
        }
    }

    [Fact]
    public async Task With_recipients_the_safety_backup_of_a_container_target_is_encrypted_on_its_way_out()
    {
        using var backups = new TempDirectory();
        var source = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, source, backups.Path);
        var key = await Encryption.AgeKeys.CreateAsync();
        var service = "db-" + Guid.NewGuid().ToString("N")[..10];
        var container = await StartContainerAsync(service);
        try
        {
            var environment = fixture.CliEnvironment(source, backups.Path);
            environment["DB_PASSWORD"] = ContainerPassword;
            environment["BACKUP_AGE_RECIPIENTS"] = key.Public;
            string[] args = ["restore", backup.DumpPath, "--compose-service", service, "--target-db", "portfolio", "--yes"];
            (await CliRunner.RunAsync(environment, args)).ExitCode.Should().Be(0);

            var second = await CliRunner.RunAsync(environment, args);

            second.ExitCode.Should().Be(0, second.AllOutput);
            Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*.dump").Should().BeEmpty("no plaintext safety backup is kept");
            var safety = Directory.GetFiles(backups.Path, BackupFileName.PreRestorePrefix + "*.dump.age").Should().ContainSingle().Subject;
            (await File.ReadAllTextAsync(safety)).Should().StartWith("age-encryption.org/v1");
            var manifest = (await BackupManifest.ReadForDumpAsync(safety))!;
            manifest.Encryption!.Recipients.Should().Equal(key.Public);
            var decrypted = await ToolRunner.RunAsync(new ToolInvocation("sh", ["-c", "age -d -i - \"$1\" | sha256sum", "sh", safety]) { StandardInputFile = await WriteKeyAsync(backups, key) });
            decrypted.StandardOutput.Should().StartWith(manifest.Encryption.PlaintextSha256);
        }
        finally
        {
            await ToolRunner.RunAsync(new ToolInvocation("docker", ["rm", "-f", "-v", container]));
        }
    }

    private static async Task<string> WriteKeyAsync(TempDirectory folder, Encryption.AgeKeys key)
    {
        var path = folder.Combine("key.txt");
        await File.WriteAllTextAsync(path, key.Secret);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public async Task Compose_service_without_a_running_container_is_a_clear_error()
    {
        // Arrange
        using var backups = new TempDirectory();
        var database = await fixture.CreateDatabaseAsync();
        var backup = await RestoreTestData.BackupAsync(fixture, database, backups.Path);
        var service = "nothing-" + Guid.NewGuid().ToString("N")[..10];

        // Act
        var run = await CliRunner.RunAsync(fixture.CliEnvironment(database, backups.Path), "restore", backup.DumpPath, "--compose-service", service, "--yes");

        // Assert
        run.ExitCode.Should().Be(1, run.AllOutput);
        run.Error.Should().Contain($"no running container belongs to compose service '{service}'").And.Contain("--container NAME");
        (await RestoreTestData.CountsAsync(fixture, database)).Should().Equal(PostgresServerFixture.SeedRowCounts);
    }

    private static async Task<string> StartContainerAsync(string service)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var name = "pb-restore-test-" + service;
        await ToolRunner.RunCheckedAsync(
            new ToolInvocation("docker", ["run", "-d", "--name", name, "--label", $"com.docker.compose.service={service}", "--label", "org.testcontainers=true", "--env", "POSTGRES_PASSWORD", "postgres:15"])
            {
                Environment = new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = ContainerPassword },
            },
            timeout.Token);
        while (true)
        {
            // The image's init phase runs a socket-only server first; ready means init finished and the real server answers.
            var logs = await ToolRunner.RunAsync(new ToolInvocation("docker", ["logs", name]), timeout.Token);
            var ready = await ToolRunner.RunAsync(new ToolInvocation("docker", ["exec", name, "pg_isready", "-U", "postgres"]), timeout.Token);
            if ((logs.StandardOutput + logs.StandardError).Contains("PostgreSQL init process complete", StringComparison.Ordinal) && ready.Succeeded)
            {
                return name;
            }

            await Task.Delay(500, timeout.Token);
        }
    }

    private static async Task<string> PsqlAsync(string container, string sql)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await ToolRunner.RunCheckedAsync(new ToolInvocation("docker", ["exec", container, "psql", "-U", "postgres", "-d", "portfolio", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]), timeout.Token);
        return result.StandardOutput.Trim();
    }
}
