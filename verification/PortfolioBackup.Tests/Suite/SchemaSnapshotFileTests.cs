using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.VerificationSuite.Fixtures;

namespace PortfolioBackup.Tests.Suite;

/// <summary>The suite's schema snapshot file: one per database whatever its name, and every folder problem said plainly.</summary>
public sealed class SchemaSnapshotFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Databases_whose_names_differ_only_in_unsafe_characters_never_share_a_file_and_none_leaves_the_folder()
    {
        string[] names = ["sh.op", "sh op", "sh%2Eop", "../etc", "a/b", "ünï", "portfolio"];

        var paths = names.Select(n => SchemaSnapshot.PathFor(_dir.Path, n)).ToList();

        paths.Should().OnlyHaveUniqueItems();
        paths.Should().AllSatisfy(p => Path.GetDirectoryName(p).Should().Be(_dir.Path));
        Path.GetFileName(paths[^1]).Should().Be("portfolio.schema.json");
    }

    [Fact]
    public async Task The_first_run_records_the_next_compares_and_a_change_names_the_command_that_accepts_it()
    {
        var snapshot = new SchemaSnapshot("x=y", ["table public.t", "column public.t.id integer not null"]);

        var recorded = await snapshot.CompareOrRecordAsync(_dir.Path, strict: false);
        var same = await snapshot.CompareOrRecordAsync(_dir.Path, strict: false);
        var changed = await (snapshot with { Schema = ["table public.t", "column public.t.id bigint not null"] }).CompareOrRecordAsync(_dir.Path, strict: false);

        recorded.Should().BeNull();
        same.Should().BeNull();
        changed.Should().Contain("~ public.t.id integer not null → bigint not null").And.Contain($"rm '{SchemaSnapshot.PathFor(_dir.Path, "x=y")}'");
    }

    [Fact]
    public async Task A_snapshot_that_is_not_json_or_a_folder_that_cannot_be_written_is_a_message_not_a_crash()
    {
        var garbage = new SchemaSnapshot("garbage", ["table public.t"]);
        File.WriteAllText(SchemaSnapshot.PathFor(_dir.Path, "garbage"), "<html>not json</html>");
        var blocked = _dir.Combine("blocked");
        File.WriteAllText(blocked, "a file where the folder should be");

        var notJson = await garbage.CompareOrRecordAsync(_dir.Path, strict: false);
        var unwritable = await garbage.CompareOrRecordAsync(blocked, strict: false);
        var strict = await garbage.CompareOrRecordAsync(_dir.Combine("empty"), strict: true);

        notJson.Should().Contain("is not one").And.Contain("remove it");
        unwritable.Should().Contain("cannot be recorded").And.Contain("VERIFY_SNAPSHOT_DIR");
        strict.Should().Contain("strict mode");
    }
}
