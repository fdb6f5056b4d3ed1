using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

public sealed class VerificationExpectationsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Without_a_config_the_portfolio_defaults_apply()
    {
        var expectations = await VerificationExpectations.LoadAsync(null, new Dictionary<string, string?>());

        expectations.RequiredExtensions.Should().Equal("plpgsql");
        expectations.RequiredTables.Should().Equal("public.users", "public.images", "public.migrations");
        expectations.MinimumRows.Should().Contain("public.users", 1).And.Contain("public.migrations", 1).And.Contain("public.images", 0);
        expectations.MaxRowDropShare.Should().Be(0.5);
        expectations.ServiceName.Should().Be("db");
        expectations.RestoreBudgetSeconds.Should().BeNull();
        expectations.SmokeQueries.Should().BeEmpty("a smoke query assumes columns nobody told us the app has");
    }

    [Fact]
    public async Task The_documented_example_config_reads_and_carries_the_image_ownership_query()
    {
        var path = Path.Combine(OperatorScripts.RepositoryRoot, "verification", "examples", "portfolio-verify.json");

        var expectations = await VerificationExpectations.LoadAsync(path, new Dictionary<string, string?>());

        expectations.SmokeQueries.Should().ContainSingle().Which.Name.Should().Be("images-belong-to-users");
        expectations.RequiredTableNames.Should().Equal(new TableName("public", "users"), new TableName("public", "images"), new TableName("public", "migrations"));
    }

    [Fact]
    public async Task Quoted_table_names_with_dots_are_accepted_and_read_exactly()
    {
        var path = _dir.Combine("dotted.json");
        await File.WriteAllTextAsync(path, """{ "requiredTables": ["\"a.b\".c"], "minimumRows": { "a.\"b.c\"": 2 } }""");

        var expectations = await VerificationExpectations.LoadAsync(path, new Dictionary<string, string?>());

        expectations.RequiredTableNames.Should().Equal(new TableName("a.b", "c"));
        expectations.MinimumTableRows.Should().Equal(new Dictionary<TableName, long> { [new TableName("a", "b.c")] = 2 });
    }

    [Fact]
    public async Task Config_named_by_VERIFY_CONFIG_overrides_only_what_it_sets()
    {
        var path = _dir.Combine("verify.json");
        await File.WriteAllTextAsync(path, """{ "requiredTables": ["public.users"], "restoreBudgetSeconds": 120, "smokeQueries": [{"name": "one", "sql": "SELECT true"}] }""");

        var expectations = await VerificationExpectations.LoadAsync(null, new Dictionary<string, string?> { ["VERIFY_CONFIG"] = path });

        expectations.RequiredTables.Should().Equal("public.users");
        expectations.RestoreBudgetSeconds.Should().Be(120);
        expectations.SmokeQueries.Should().Equal(new SmokeQuery("one", "SELECT true"));
        expectations.RequiredExtensions.Should().Equal("plpgsql");
    }

    [Theory]
    [InlineData("{ not json", "is not valid")]
    [InlineData("""{ "maxRowDropShare": 2 }""", "maxRowDropShare must be between 0 and 1")]
    [InlineData("""{ "minimumRows": { "users": 1 } }""", "minimumRows must map")]
    [InlineData("""{ "requiredTables": ["a.b.c"] }""", "requiredTables must be a list")]
    [InlineData("""{ "smokeQueries": [{ "name": "x" }] }""", "smokeQueries must be a list")]
    [InlineData("""{ "restoreBudgetSeconds": 0 }""", "restoreBudgetSeconds must be more than 0")]
    [InlineData("""{ "requiredTabels": [] }""", "requiredTabels")]
    public async Task Invalid_config_throws_a_configuration_error_naming_the_file_and_problem(string json, string problem)
    {
        var path = _dir.Combine("bad.json");
        await File.WriteAllTextAsync(path, json);

        var act = () => VerificationExpectations.LoadAsync(path, new Dictionary<string, string?>());

        var error = (await act.Should().ThrowAsync<ConfigurationException>()).Which;
        error.Message.Should().Contain(path).And.Contain(problem);
    }

    [Fact]
    public async Task Missing_config_file_is_a_configuration_error()
    {
        var act = () => VerificationExpectations.LoadAsync(_dir.Combine("nope.json"), new Dictionary<string, string?>());

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.Message.Should().Contain("nope.json").And.Contain("cannot be read");
    }
}
