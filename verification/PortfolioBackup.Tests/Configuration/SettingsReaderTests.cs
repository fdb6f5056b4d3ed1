using PortfolioBackup.Configuration;

namespace PortfolioBackup.Tests.Configuration;

/// <summary>Docker-free: how environment variables and command-line flags become settings.</summary>
public sealed class SettingsReaderTests
{
    private static Dictionary<string, string?> Env(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    [Fact]
    public void Defaults_apply_when_only_BACKUP_DIR_is_set()
    {
        var settings = SettingsReader.ReadBackupSettings(Env(("BACKUP_DIR", "/var/backups/portfolio")));

        settings.BackupDirectory.Should().Be("/var/backups/portfolio");
        settings.RetentionDays.Should().Be(14);
        settings.MinBackups.Should().Be(3);
        settings.CountRows.Should().BeTrue();
        settings.Connection.Should().Be(new ConnectionSettings { Host = "localhost", Port = 5432, User = "postgres", Database = "portfolio" });
        settings.Connection.Password.Should().BeNull();
    }

    [Fact]
    public void Missing_BACKUP_DIR_is_reported_with_the_variable_name_and_an_example()
    {
        var act = () => SettingsReader.ReadBackupSettings(Env(("BACKUP_DIR", "  ")));

        var ex = act.Should().Throw<ConfigurationException>().Which;
        ex.Message.Should().Contain("BACKUP_DIR")
            .And.Contain("BACKUP_DIR=/var/backups/portfolio ./scripts/db_backup/backup_db.sh")
            .And.Contain("doppler run -- ./scripts/db_backup/backup_db.sh");
    }

    [Fact]
    public void RequireBackupDirectory_prefers_the_flag_and_fails_with_help_without_either()
    {
        SettingsReader.RequireBackupDirectory(Env(("BACKUP_DIR", "/env")), "/flag").Should().Be("/flag");
        SettingsReader.RequireBackupDirectory(Env(("BACKUP_DIR", "/env")), null).Should().Be("/env");

        var act = () => SettingsReader.RequireBackupDirectory(Env(), null);

        act.Should().Throw<ConfigurationException>().WithMessage("*BACKUP_DIR*doppler*");
    }

    [Fact]
    public void Every_invalid_value_is_reported_at_once_with_what_is_expected()
    {
        var env = Env(("RETENTION_DAYS", "abc"), ("MIN_BACKUPS", "0"), ("DB_PORT", "70000"));

        var act = () => SettingsReader.ReadBackupSettings(env);

        var ex = act.Should().Throw<ConfigurationException>().Which;
        ex.Problems.Should().HaveCount(4);
        ex.Problems.Should().Contain(p => p.Contains("BACKUP_DIR"));
        ex.Problems.Should().Contain(p => p.Contains("RETENTION_DAYS='abc'") && p.Contains("0 or more"));
        ex.Problems.Should().Contain(p => p.Contains("MIN_BACKUPS=0") && p.Contains("1 or more"));
        ex.Problems.Should().Contain(p => p.Contains("DB_PORT=70000") && p.Contains("1 to 65535"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("ten")]
    public void Negative_or_fractional_retention_is_rejected(string value)
    {
        var act = () => SettingsReader.ReadBackupSettings(Env(("BACKUP_DIR", "/b"), ("RETENTION_DAYS", value)));

        act.Should().Throw<ConfigurationException>().Which.Problems.Should().ContainSingle(p => p.Contains("RETENTION_DAYS"));
    }

    [Fact]
    public void Zero_retention_days_is_allowed()
    {
        SettingsReader.ReadBackupSettings(Env(("BACKUP_DIR", "/b"), ("RETENTION_DAYS", "0"))).RetentionDays.Should().Be(0);
    }

    [Fact]
    public void DB_variables_are_read()
    {
        var env = Env(("BACKUP_DIR", "/b"), ("DB_HOST", "db"), ("DB_PORT", "6543"), ("DB_USER", "app"), ("DB_NAME", "shop"), ("DB_PASSWORD", "pw"));

        var connection = SettingsReader.ReadConnection(env);

        connection.Should().Be(new ConnectionSettings { Host = "db", Port = 6543, User = "app", Database = "shop", Password = "pw" });
    }

    [Fact]
    public void Libpq_variables_are_the_fallback_when_DB_variables_are_unset()
    {
        var env = Env(("PGHOST", "pg"), ("PGPORT", "5433"), ("PGUSER", "u"), ("PGDATABASE", "d"), ("PGPASSWORD", "p"), ("PGPASSFILE", "/x/.pgpass"));

        var connection = SettingsReader.ReadConnection(env);

        connection.Should().Be(new ConnectionSettings { Host = "pg", Port = 5433, User = "u", Database = "d", Password = "p", PassFile = "/x/.pgpass" });
    }

    [Fact]
    public void DB_variables_win_over_libpq_variables()
    {
        var env = Env(("PGHOST", "pg"), ("DB_HOST", "db"), ("PGPORT", "nonsense"), ("DB_PORT", "5434"), ("PGPASSWORD", "p1"), ("DB_PASSWORD", "p2"));

        var connection = SettingsReader.ReadConnection(env);

        connection.Host.Should().Be("db");
        connection.Port.Should().Be(5434);
        connection.Password.Should().Be("p2");
    }

    [Fact]
    public void Invalid_PGPORT_is_reported_by_its_name()
    {
        var act = () => SettingsReader.ReadConnection(Env(("PGPORT", "0")));

        act.Should().Throw<ConfigurationException>().Which.Problems.Should().ContainSingle(p => p.Contains("PGPORT=0"));
    }

    [Fact]
    public void Command_line_flags_override_the_environment()
    {
        var env = Env(("BACKUP_DIR", "/env"), ("RETENTION_DAYS", "abc"), ("MIN_BACKUPS", "5"), ("DB_HOST", "envhost"), ("DB_PORT", "1"), ("DB_USER", "envuser"), ("DB_NAME", "envdb"));
        var overrides = new SettingsOverrides { BackupDirectory = "/flag", RetentionDays = 30, MinBackups = 2, Host = "h", Port = 7000, User = "u", Database = "d" };

        var settings = SettingsReader.ReadBackupSettings(env, overrides);

        settings.BackupDirectory.Should().Be("/flag");
        settings.RetentionDays.Should().Be(30);
        settings.MinBackups.Should().Be(2);
        settings.Connection.Should().Be(new ConnectionSettings { Host = "h", Port = 7000, User = "u", Database = "d" });
    }

    [Fact]
    public void Out_of_range_flags_are_reported_by_flag_name()
    {
        var overrides = new SettingsOverrides { RetentionDays = -2, Port = 0 };

        var act = () => SettingsReader.ReadBackupSettings(Env(("BACKUP_DIR", "/b")), overrides);

        var problems = act.Should().Throw<ConfigurationException>().Which.Problems;
        problems.Should().HaveCount(2);
        problems.Should().Contain(p => p.Contains("--retention-days -2")).And.Contain(p => p.Contains("--port 0"));
    }

    [Fact]
    public void The_password_is_masked_in_ToString_and_absent_from_Describe()
    {
        var connection = new ConnectionSettings { Host = "db", Password = "hunter2-secret" };

        connection.ToString().Should().NotContain("hunter2-secret").And.Contain("***");
        connection.Describe().Should().Be("db:5432/portfolio as postgres");
        new BackupSettings { BackupDirectory = "/b", Connection = connection }.ToString().Should().NotContain("hunter2-secret");
    }

    [Fact]
    public void Tool_environment_carries_the_password_only_when_set()
    {
        var withPassword = new ConnectionSettings { Host = "db", Port = 1234, User = "u", Database = "d", Password = "pw" }.ToolEnvironment();
        var withPassFile = new ConnectionSettings { PassFile = "/p/.pgpass" }.ToolEnvironment();

        withPassword.Should().BeEquivalentTo(new Dictionary<string, string?>
        {
            ["PGHOST"] = "db",
            ["PGPORT"] = "1234",
            ["PGUSER"] = "u",
            ["PGDATABASE"] = "d",
            ["PGPASSWORD"] = "pw",
            ["PGOPTIONS"] = ConnectionSettings.NoTimeoutsOptions,
        });
        withPassFile.Should().NotContainKey("PGPASSWORD");
        withPassFile["PGPASSFILE"].Should().Be("/p/.pgpass");
    }

    [Fact]
    public void Npgsql_connection_string_uses_the_password_or_the_password_file()
    {
        var withPassword = new Npgsql.NpgsqlConnectionStringBuilder(new ConnectionSettings { Host = "db", Password = "pw" }.NpgsqlConnectionString());
        var withPassFile = new Npgsql.NpgsqlConnectionStringBuilder(new ConnectionSettings { PassFile = "/p/.pgpass" }.NpgsqlConnectionString());

        withPassword.Host.Should().Be("db");
        withPassword.Password.Should().Be("pw");
        withPassword.Passfile.Should().BeNull();
        withPassFile.Password.Should().BeNull();
        withPassFile.Passfile.Should().Be("/p/.pgpass");
    }
}
