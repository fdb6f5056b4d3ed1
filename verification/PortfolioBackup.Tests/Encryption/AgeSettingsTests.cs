using PortfolioBackup.Configuration;
using PortfolioBackup.Encryption;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Encryption;

/// <summary>Recipients and identities from the environment, and the secret key kept out of every child's environment; no database.</summary>
public sealed class AgeSettingsTests
{
    private const string Valid = "age1c5c8ajd5vpwxh4akzhpc6vur3atz9g965a4v2x03cj0q6kaegshsw0rfut";
    private const string Other = "age1hqk88cpgtm77rd23ayl8p8zs29zjq2nr4qrmcmvqpmznapcs3qzqt4lhfg";

    [Fact]
    public void Recipients_separated_by_spaces_commas_and_newlines_are_all_read()
    {
        // Arrange
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = "/tmp/x", ["BACKUP_AGE_RECIPIENTS"] = $"{Valid},\n {Other}" };

        // Act
        var settings = SettingsReader.ReadBackupSettings(env);

        // Assert
        settings.AgeRecipients.Should().Equal(Valid, Other);
    }

    [Fact]
    public void A_recipients_file_in_age_keygen_style_skips_comments()
    {
        // Arrange
        using var temp = new TempDirectory();
        var file = temp.Combine("recipients.txt");
        File.WriteAllText(file, $"# created: 2026-12-02\n# public key: ignored\n{Valid}\n\n{Other}  # the CI key\n");
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = "/tmp/x", ["BACKUP_AGE_RECIPIENTS_FILE"] = file };

        // Act
        var settings = SettingsReader.ReadBackupSettings(env);

        // Assert
        settings.AgeRecipients.Should().Equal(Valid, Other);
    }

    [Fact]
    public void Every_recipient_problem_is_listed_at_once_without_echoing_a_secret_key()
    {
        // Arrange
        var env = new Dictionary<string, string?>
        {
            ["BACKUP_DIR"] = "/tmp/x",
            ["RETENTION_DAYS"] = "abc",
            ["BACKUP_AGE_RECIPIENTS"] = $"{Valid} age1tooshort AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        };

        // Act
        var act = () => SettingsReader.ReadBackupSettings(env);

        // Assert
        var problems = act.Should().Throw<ConfigurationException>().Which.Problems;
        problems.Should().HaveCount(3);
        problems.Should().Contain(p => p.Contains("RETENTION_DAYS", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("'age1tooshort' is not an age public key", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("holds a secret key", StringComparison.Ordinal));
        string.Join("\n", problems).Should().NotContain("AGE-SECRET-KEY-1QQ");
    }

    [Theory]
    [InlineData("both")]
    [InlineData("empty")]
    [InlineData("missing-file")]
    public void Conflicting_empty_or_unreadable_recipient_settings_are_configuration_errors(string what)
    {
        // Arrange
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = "/tmp/x" };
        switch (what)
        {
            case "both":
                env["BACKUP_AGE_RECIPIENTS"] = Valid;
                env["BACKUP_AGE_RECIPIENTS_FILE"] = "/etc/hostname";
                break;
            case "empty":
                env["BACKUP_AGE_RECIPIENTS"] = " ,\n";
                break;
            default:
                env["BACKUP_AGE_RECIPIENTS_FILE"] = "/nonexistent/recipients.txt";
                break;
        }

        // Act
        var act = () => SettingsReader.ReadBackupSettings(env);

        // Assert
        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain(what switch
        {
            "both" => "are both set",
            "empty" => "holds no public key",
            _ => "does not exist",
        });
    }

    [Fact]
    public async Task Backup_with_malformed_recipients_exits_2_before_touching_the_folder()
    {
        // Arrange
        using var temp = new TempDirectory();
        var backups = temp.Combine("backups");
        var env = new Dictionary<string, string?> { ["BACKUP_DIR"] = backups, ["BACKUP_AGE_RECIPIENTS"] = "age1nope", ["DB_PORT"] = "1" };

        // Act
        var run = await CliRunner.RunAsync(env, "backup");

        // Assert
        run.ExitCode.Should().Be(2, run.AllOutput);
        run.AllOutput.Should().Contain("'age1nope' is not an age public key");
        Directory.Exists(backups).Should().BeFalse();
    }

    [Fact]
    public void The_secret_key_is_removed_from_every_childs_environment_even_when_passed_along()
    {
        // Arrange
        var invocation = new ToolInvocation("/bin/true", [])
        {
            Environment = new Dictionary<string, string?> { ["AGE_IDENTITY"] = "AGE-SECRET-KEY-1LEAK", ["PGHOST"] = "h" },
        };

        // Act
        var changes = ChildEnvironment.For(invocation);
        var minimal = ChildEnvironment.For(invocation with { MinimalEnvironment = true });

        // Assert
        changes.Should().Contain("AGE_IDENTITY", null).And.Contain("PGHOST", "h");
        minimal.Should().Contain("AGE_IDENTITY", null);
    }

    [Fact]
    public void An_identity_never_shows_its_key_and_reads_from_either_variable()
    {
        // Arrange
        using var temp = new TempDirectory();
        var file = temp.Combine("key.txt");
        File.WriteAllText(file, "AGE-SECRET-KEY-1QQQQ\n");

        // Act
        var fromText = AgeIdentity.FromEnvironment(new Dictionary<string, string?> { ["AGE_IDENTITY"] = "AGE-SECRET-KEY-1QQQQ" });
        var fromFile = AgeIdentity.FromEnvironment(new Dictionary<string, string?> { ["AGE_IDENTITY_FILE"] = file });
        var none = AgeIdentity.FromEnvironment(new Dictionary<string, string?>());

        // Assert
        fromText!.ToString().Should().Be("age identity from AGE_IDENTITY");
        fromFile!.ToString().Should().Be($"age identity from AGE_IDENTITY_FILE={file}");
        fromFile.Text.Should().Be("AGE-SECRET-KEY-1QQQQ\n");
        none.Should().BeNull();
    }
}
