using PortfolioBackup.Configuration;
using PortfolioBackup.Offsite;

namespace PortfolioBackup.Tests.Offsite;

/// <summary>Offsite settings from the environment and from s3:// addresses; no server needed.</summary>
public sealed class OffsiteSettingsReaderTests
{
    [Fact]
    public void Without_a_bucket_offsite_copies_are_off()
    {
        OffsiteSettingsReader.Read(new Dictionary<string, string?> { ["BACKUP_S3_ENDPOINT"] = "http://127.0.0.1:4569", ["BACKUP_S3_BUCKET"] = " " })
            .Should().BeNull();
    }

    [Fact]
    public void Every_variable_is_read_and_the_description_never_shows_the_secret()
    {
        var settings = OffsiteSettingsReader.Read(new Dictionary<string, string?>
        {
            ["BACKUP_S3_BUCKET"] = "portfolio-backups",
            ["BACKUP_S3_PREFIX"] = "droplet/prod",
            ["BACKUP_S3_ENDPOINT"] = "http://127.0.0.1:4569",
            ["BACKUP_S3_REGION"] = "fra1",
            ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["AWS_SECRET_ACCESS_KEY"] = "very-secret-key",
        })!;

        settings.Should().BeEquivalentTo(new { Bucket = "portfolio-backups", Prefix = "droplet/prod", Region = "fra1", AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "very-secret-key" });
        settings.Describe().Should().Be("s3://portfolio-backups/droplet/prod at http://127.0.0.1:4569");
        settings.ToString().Should().NotContain("very-secret-key");
    }

    [Fact]
    public void Without_an_endpoint_the_store_is_aws_in_the_default_region_with_the_sdk_credentials()
    {
        var settings = OffsiteSettingsReader.Read(new Dictionary<string, string?> { ["BACKUP_S3_BUCKET"] = "portfolio-backups" })!;

        settings.Describe().Should().Be("s3://portfolio-backups at AWS (us-east-1)");
        settings.AccessKeyId.Should().BeNull();
        settings.SecretAccessKey.Should().BeNull();
    }

    [Fact]
    public void Every_invalid_value_is_listed_at_once_and_no_secret_is_echoed()
    {
        var read = () => OffsiteSettingsReader.Read(new Dictionary<string, string?>
        {
            ["BACKUP_S3_BUCKET"] = "Bad_Bucket",
            ["BACKUP_S3_PREFIX"] = "/lead/",
            ["BACKUP_S3_ENDPOINT"] = "ftp://example",
            ["BACKUP_S3_REGION"] = "EU West",
            ["AWS_SECRET_ACCESS_KEY"] = "lonely-secret",
        });

        var error = read.Should().Throw<ConfigurationException>().Which;
        error.Problems.Should().HaveCount(5);
        error.Problems.Should().Contain(p => p.StartsWith("BACKUP_S3_BUCKET='Bad_Bucket' is not a bucket name"))
            .And.Contain(p => p.StartsWith("BACKUP_S3_PREFIX='/lead/' is not a prefix"))
            .And.Contain(p => p.StartsWith("BACKUP_S3_ENDPOINT='ftp://example' is not an http:// or https:// address"))
            .And.Contain(p => p.StartsWith("BACKUP_S3_REGION='EU West'"))
            .And.Contain(p => p.StartsWith("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
        error.Message.Should().NotContain("lonely-secret");
    }

    [Fact]
    public void An_endpoint_with_credentials_or_a_path_is_refused()
    {
        var withUser = () => OffsiteSettingsReader.Read(new Dictionary<string, string?> { ["BACKUP_S3_BUCKET"] = "b-1", ["BACKUP_S3_ENDPOINT"] = "https://key:secret@example.com" });
        var withPath = () => OffsiteSettingsReader.Read(new Dictionary<string, string?> { ["BACKUP_S3_BUCKET"] = "b-1", ["BACKUP_S3_ENDPOINT"] = "https://example.com/b-1" });

        withUser.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("must not contain credentials").And.NotContain("secret@");
        withPath.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("has a path or query");
    }

    [Theory]
    [InlineData("s3://portfolio-backups", "portfolio-backups", "")]
    [InlineData("s3://portfolio-backups/droplet/prod", "portfolio-backups", "droplet/prod")]
    [InlineData("s3://portfolio-backups/droplet/", "portfolio-backups", "droplet")]
    public void An_s3_address_gives_bucket_and_prefix_and_the_rest_comes_from_the_environment(string uri, string bucket, string prefix)
    {
        var settings = OffsiteSettingsReader.FromUri(uri, new Dictionary<string, string?> { ["BACKUP_S3_ENDPOINT"] = "https://fra1.digitaloceanspaces.com", ["BACKUP_S3_REGION"] = "fra1" });

        settings.Should().BeEquivalentTo(new { Bucket = bucket, Prefix = prefix, Region = "fra1", Endpoint = new Uri("https://fra1.digitaloceanspaces.com") });
    }

    [Theory]
    [InlineData("https://portfolio-backups/x")]
    [InlineData("s3://")]
    [InlineData("s3://portfolio-backups//x")]
    public void A_malformed_s3_address_is_a_configuration_error(string uri)
    {
        var read = () => OffsiteSettingsReader.FromUri(uri, new Dictionary<string, string?>());

        read.Should().Throw<ConfigurationException>();
    }
}
