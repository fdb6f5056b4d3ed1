using System.Text.Json;
using PortfolioBackup.Alerts;
using PortfolioBackup.Configuration;

namespace PortfolioBackup.Tests.Alerts;

/// <summary>Network-free: what a ping body and a notification may carry, and which settings are refused.</summary>
public sealed class AlertTextTests
{
    [Fact]
    public void A_ping_body_keeps_the_last_lines_and_masks_configured_secrets_and_key_shaped_text()
    {
        var tail = new OutputTail();
        for (var i = 1; i <= 100; i++)
        {
            tail.Append($"line {i}\n");
        }

        tail.Append("password hunter2-secret in postgres://app:pa55@db/x, AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQ and verdict-secret:MIGHAgEAabc+/=\n");

        var text = tail.Text(["hunter2-secret"]);

        text.Split('\n').Should().HaveCount(OutputTail.MaxLines).And.NotContain("line 60").And.Contain("line 100");
        text.Should().Contain("password *** in postgres://***@db/x, *** and ***")
            .And.NotContain("hunter2").And.NotContain("pa55").And.NotContain("AGE-SECRET-KEY").And.NotContain("MIGHAgEA");
    }

    [Theory]
    [InlineData("redis://:emptyuserpw1@cache/0", "emptyuserpw1")]
    [InlineData("postgresql://bob:p@ssword9@db:5432/x", "ssword9")]
    [InlineData("connecting with host=db password=kvpassword7 dbname=x", "kvpassword7")]
    [InlineData("connecting with host=db password='kv pass 8' dbname=x", "kv pass 8")]
    [InlineData("identity: age-secret-key-1qqqqqqqqqqqqqqqqqqqq", "qqqqqqqqqqqqqqqqqqqq")]
    public void Secret_shapes_beyond_configured_values_are_masked(string line, string secret)
    {
        var tail = new OutputTail();
        tail.Append(line + "\n");

        tail.Text([]).Should().NotContain(secret).And.Contain("***");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    public void A_secret_that_straddles_the_cut_of_the_body_leaves_no_part_of_itself(int keptOfSecret)
    {
        const string secret = "secretpw123";
        var tail = new OutputTail();

        // The body keeps the last MaxChars characters: place the secret so the cut falls inside it.
        tail.Append("password is " + secret + "\n");
        tail.Append(new string('x', OutputTail.MaxChars - keptOfSecret - 1) + "\n");

        var text = tail.Text([secret]);

        text.Length.Should().BeLessThanOrEqualTo(OutputTail.MaxChars);
        foreach (var part in new[] { "pw123", "123", "tpw1", "secr" })
        {
            text.Should().NotContain(part);
        }
    }

    [Fact]
    public void A_secret_that_straddles_the_cut_of_one_long_line_leaves_no_part_of_itself()
    {
        const string secret = "secretpw123";
        var tail = new OutputTail();

        tail.Append(new string('x', OutputTail.MaxChars - 4) + secret + new string('y', 100) + "\n");

        tail.Text([secret]).Should().NotContain("secr").And.NotContain("pw123");
    }

    [Fact]
    public void Every_field_of_a_notification_is_masked_the_database_and_the_file_too()
    {
        var settings = new AlertSettings { Secrets = ["secretpw123"], Host = "droplet-1" };
        var facts = new JobFacts { Database = "prod_secretpw123", File = "backup_secretpw123.dump", Detail = "could not connect" };

        var json = Notification.For(AlertJob.Backup, false, facts, string.Empty, settings).ToJson();

        json.Should().NotContain("secretpw123").And.Contain("prod_***");
    }

    [Theory]
    [InlineData(AlertJob.Verify, "BACKUP_PING_URL", "ftp://typo", false)]
    [InlineData(AlertJob.Backup, "VERIFY_PING_URL", "ftp://typo", false)]
    [InlineData(AlertJob.Status, "NOTIFY_ON", "sometimes", false)]
    [InlineData(AlertJob.Verify, "VERIFY_PING_URL", "ftp://typo", true)]
    [InlineData(AlertJob.Upload, "BACKUP_PING_URL", "ftp://typo", true)]
    [InlineData(AlertJob.Status, "NOTIFY_URL", "ftp://typo", true)]
    public void A_job_refuses_only_problems_in_the_alert_variables_it_uses(AlertJob job, string variable, string value, bool refused)
    {
        var environment = new Dictionary<string, string?> { [variable] = value };
        var problems = new List<string>();
        AlertSettings.Read(environment, problems);

        AlertSettings.ProblemsFor(job, problems, environment).Should().HaveCount(refused ? 1 : 0);
    }

    [Fact]
    public void NOTIFY_ON_is_refused_when_there_is_a_NOTIFY_URL_to_send_to()
    {
        var environment = new Dictionary<string, string?> { ["NOTIFY_ON"] = "sometimes", ["NOTIFY_URL"] = "https://hooks.example/x" };
        var problems = new List<string>();
        AlertSettings.Read(environment, problems);

        AlertSettings.ProblemsFor(AlertJob.Status, problems, environment).Should().ContainSingle().Which.Should().StartWith("NOTIFY_ON");
    }

    [Fact]
    public void A_notification_is_json_a_slack_or_discord_webhook_shows_and_names_the_failure_without_secrets()
    {
        var settings = new AlertSettings { Secrets = ["s3cr3t-pw"], Host = "droplet-1" };
        var facts = new JobFacts { Database = "portfolio", File = "backup_20261207_021500.dump", Check = "row-counts: public.users 25 rows, expected 26 (pw s3cr3t-pw)" };

        var json = JsonDocument.Parse(Notification.For(AlertJob.Verify, false, facts with { Event = "dump-unhealthy" }, "error: something s3cr3t-pw\n", settings).ToJson()).RootElement;

        json.GetProperty("event").GetString().Should().Be("dump-unhealthy");
        json.GetProperty("ok").GetBoolean().Should().BeFalse();
        json.GetProperty("host").GetString().Should().Be("droplet-1");
        json.GetProperty("file").GetString().Should().Be("backup_20261207_021500.dump");
        json.GetProperty("check").GetString().Should().Be("row-counts: public.users 25 rows, expected 26 (pw ***)");
        json.GetProperty("text").GetString().Should().StartWith("❌ portfolio-backup on droplet-1: a backup is NOT healthy")
            .And.Contain("Look further: 'portfolio-backup verify backup_20261207_021500.dump'").And.NotContain("s3cr3t");
        json.GetProperty("content").GetString().Should().Be(json.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("BACKUP_PING_URL", "ftp://hc-ping.com/secret-uuid")]
    [InlineData("NOTIFY_URL", "hooks.slack.com/services/T000/B000/secret-path")]
    [InlineData("VERIFY_PING_URL", "not a url secret-uuid")]
    public void A_url_that_is_not_http_is_a_configuration_error_that_does_not_repeat_the_value(string variable, string value)
    {
        var read = () => AlertSettings.Read(new Dictionary<string, string?> { [variable] = value });

        read.Should().Throw<ConfigurationException>().Which.Message.Should().Contain(variable).And.NotContain("secret");
    }

    [Fact]
    public void NOTIFY_ON_accepts_failure_and_always_only()
    {
        AlertSettings.Read(new Dictionary<string, string?> { ["NOTIFY_ON"] = "Always" }).NotifyOn.Should().Be(NotifyOn.Always);
        var read = () => AlertSettings.Read(new Dictionary<string, string?> { ["NOTIFY_ON"] = "sometimes" });
        read.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("NOTIFY_ON=sometimes is not 'failure' or 'always'");
    }
}
