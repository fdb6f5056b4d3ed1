using PortfolioBackup.Compose;

namespace PortfolioBackup.Tests.Compose;

/// <summary>Docker-free: compose's variable substitution rules and the .env file format.</summary>
public sealed class ComposeInterpolationTests
{
    private static readonly Dictionary<string, string?> Variables = new()
    {
        ["SET"] = "value",
        ["EMPTY"] = string.Empty,
        ["TAG"] = "15",
    };

    [Theory]
    [InlineData("postgres:${TAG}", "postgres:15")]
    [InlineData("postgres:$TAG", "postgres:15")]
    [InlineData("$TAG-alpine", "15-alpine")]
    [InlineData("${UNSET:-16}", "16")]
    [InlineData("${EMPTY:-16}", "16")]
    [InlineData("${SET:-16}", "value")]
    [InlineData("${UNSET-16}", "16")]
    [InlineData("${EMPTY-16}", "")]
    [InlineData("${SET:+alt}", "alt")]
    [InlineData("${EMPTY:+alt}", "")]
    [InlineData("${EMPTY+alt}", "alt")]
    [InlineData("${UNSET:-${TAG}}", "15")]
    [InlineData("$${TAG}", "${TAG}")]
    [InlineData("cost $$5", "cost $5")]
    [InlineData("${UNSET}", "")]
    [InlineData("no variables", "no variables")]
    public void Substitution_follows_compose_rules(string text, string expected)
    {
        var result = ComposeInterpolation.Interpolate(text, Lookup, "test");

        result.Should().Be(expected);
    }

    [Theory]
    [InlineData("${UNSET:?PG needed}", "PG needed")]
    [InlineData("${EMPTY:?PG needed}", "PG needed")]
    [InlineData("${UNSET?PG needed}", "PG needed")]
    public void Required_variable_without_value_throws_its_message(string text, string message)
    {
        var act = () => ComposeInterpolation.Interpolate(text, Lookup, "compose.yaml");

        act.Should().Throw<ComposeException>().Which.Message.Should().Contain(message).And.Contain("compose.yaml");
    }

    [Fact]
    public void Required_variable_that_is_set_but_empty_passes_without_colon()
    {
        var result = ComposeInterpolation.Interpolate("x${EMPTY?needed}y", Lookup, "test");

        result.Should().Be("xy");
    }

    [Theory]
    [InlineData("${TAG")]
    [InlineData("${}")]
    [InlineData("price $5")]
    [InlineData("trailing $")]
    [InlineData("${TAG!x}")]
    public void Invalid_syntax_is_reported(string text)
    {
        var act = () => ComposeInterpolation.Interpolate(text, Lookup, "compose.yaml");

        act.Should().Throw<ComposeException>().Which.Message.Should().Contain("invalid interpolation").And.Contain("$$");
    }

    [Fact]
    public void Unset_variables_are_collected()
    {
        var unset = new List<string>();

        ComposeInterpolation.Interpolate("$A-${B}-${TAG}-${C:-x}", Lookup, "test", unset);

        unset.Should().Equal("A", "B");
    }

    [Fact]
    public void Dot_env_reads_plain_quoted_exported_and_commented_values()
    {
        const string text = """
            # comment line
            PLAIN=postgres:15
            export EXPORTED=yes
              SPACED =  padded value   # trailing comment
            SINGLE='literal $TAG # not a comment'
            DOUBLE="tab\there ${TAG} \$5"
            HASH=a#b
            EMPTY_VALUE=
            MULTI="line1
            line2"
            REFERS=${PLAIN}-x
            """;

        var values = DotEnvFile.Parse(text, ".env", Lookup);

        values.Should().Equal(new Dictionary<string, string>
        {
            ["PLAIN"] = "postgres:15",
            ["EXPORTED"] = "yes",
            ["SPACED"] = "padded value",
            ["SINGLE"] = "literal $TAG # not a comment",
            ["DOUBLE"] = "tab\there 15 $5",
            ["HASH"] = "a#b",
            ["EMPTY_VALUE"] = string.Empty,
            ["MULTI"] = "line1\nline2",
            ["REFERS"] = "postgres:15-x",
        });
    }

    [Fact]
    public void Dot_env_with_an_unclosed_quote_names_the_line()
    {
        var act = () => DotEnvFile.Parse("A=1\nB=\"open\n", "/srv/.env", Lookup);

        act.Should().Throw<ComposeException>().Which.Message.Should().Contain("/srv/.env line 2").And.Contain("never closed");
    }

    [Fact]
    public void Dot_env_with_an_invalid_name_names_the_line()
    {
        var act = () => DotEnvFile.Parse("A=1\n1BAD=2\n", "/srv/.env", Lookup);

        act.Should().Throw<ComposeException>().Which.Message.Should().Contain("/srv/.env line 2").And.Contain("1BAD");
    }

    private static string? Lookup(string name) => Variables.GetValueOrDefault(name);
}
