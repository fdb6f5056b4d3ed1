using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

public sealed class TableNameTests
{
    [Theory]
    [InlineData("public", "users", "public.users")]
    [InlineData("a.b", "c", "\"a.b\".c")]
    [InlineData("a", "b.c", "a.\"b.c\"")]
    [InlineData("public", "CamelCase", "public.\"CamelCase\"")]
    [InlineData("public", "select", "public.\"select\"")]
    [InlineData("Reporting Ünits", "Order \"Items\"", "\"Reporting Ünits\".\"Order \"\"Items\"\"\"")]
    public void A_name_prints_quoted_only_where_SQL_needs_it_and_reads_back_exactly(string schema, string name, string text)
    {
        var table = new TableName(schema, name);

        table.ToString().Should().Be(text);
        TableName.Parse(text).Should().Be(table);
    }

    [Fact]
    public void Names_compare_exactly_so_dotted_schemas_and_dotted_tables_differ()
    {
        new TableName("a.b", "c").Should().NotBe(new TableName("a", "b.c"));
        new TableName("public", "Users").Should().NotBe(new TableName("public", "users"));
    }

    [Theory]
    [InlineData("users")]
    [InlineData("a.b.c")]
    [InlineData("\"unclosed.c")]
    [InlineData("public.")]
    [InlineData("")]
    public void Text_that_is_not_exactly_schema_dot_name_does_not_parse(string text)
    {
        TableName.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void An_unquoted_legacy_name_reads_as_written()
    {
        TableName.Parse("Reporting Ünits.Order Items").Should().Be(new TableName("Reporting Ünits", "Order Items"));
    }
}
