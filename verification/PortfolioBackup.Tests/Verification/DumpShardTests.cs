using System.Text.Json;
using PortfolioBackup.Configuration;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Verification;

namespace PortfolioBackup.Tests.Verification;

/// <summary><c>verify --shard i/n</c>: deterministic slices of the dump list and usage errors (Docker-free).</summary>
public sealed class DumpShardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/3", 2, 3)]
    [InlineData("10/10", 10, 10)]
    public void Valid_shards_parse(string text, int index, int count)
    {
        var shard = DumpShard.Parse(text);

        shard.Should().Be(new DumpShard(index, count));
        shard.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("-1/2")]
    [InlineData("1")]
    [InlineData("1/2/3")]
    [InlineData("a/b")]
    [InlineData(" 1/2")]
    [InlineData("")]
    public void Invalid_shards_are_configuration_errors(string text)
    {
        var parse = () => DumpShard.Parse(text);

        parse.Should().Throw<ConfigurationException>().WithMessage($"*--shard '{text}' is not a shard i/n*");
    }

    [Fact]
    public void Shards_partition_the_list_sorted_by_name_whatever_the_input_order()
    {
        var names = Enumerable.Range(0, 7).Select(i => $"/b/backup_2025010{i}_000000.dump").ToList();
        var shuffled = names.AsEnumerable().Reverse().ToList();

        var shards = Enumerable.Range(1, 3).Select(i => new DumpShard(i, 3).Select(shuffled)).ToList();

        shards[0].Should().Equal(names[0], names[3], names[6]);
        shards[1].Should().Equal(names[1], names[4]);
        shards[2].Should().Equal(names[2], names[5]);
        shards.SelectMany(s => s).Should().BeEquivalentTo(names);
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("x")]
    public async Task Verify_with_a_bad_shard_exits_2(string shard)
    {
        await File.WriteAllTextAsync(_dir.Combine(TestDumps.BackupName(1)), "PGDMP");

        var run = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path }, "verify", "--engine", "local", "--shard", shard);

        run.ExitCode.Should().Be(2, run.AllOutput);
        run.Error.Should().Contain($"--shard '{shard}' is not a shard i/n");
    }

    [Fact]
    public async Task An_empty_shard_exits_0_and_writes_an_empty_report()
    {
        await File.WriteAllTextAsync(_dir.Combine(TestDumps.BackupName(1)), "PGDMP");
        var reportPath = _dir.Combine("report.json");

        var run = await CliRunner.RunAsync(new Dictionary<string, string?> { ["BACKUP_DIR"] = _dir.Path }, "verify", "--engine", "local", "--shard", "2/2", "--report", reportPath);

        run.ExitCode.Should().Be(0, run.AllOutput);
        run.Output.Should().Contain("shard 2/2 has no dumps (1 dump(s) in all)");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        json.RootElement.GetProperty("dumps").GetArrayLength().Should().Be(0);
        json.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).Should().Contain("shard 2/2: 0 of 1 dump(s)");
    }
}
