using PortfolioBackup.Engines;
using PortfolioBackup.Tests.Fixtures;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Tests.Engines;

/// <summary>
/// The pristine cluster cache is used only when no one else could have filled it; its owner is read without a child
/// process (statx) since issue 19, with the same answers as <c>stat -c %u</c>.
/// </summary>
public sealed class PristineCacheTrustTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_owner_read_without_a_child_process_is_what_stat_says()
    {
        // Arrange
        var ours = _dir.Combine("ours");
        var theirs = _dir.Combine("theirs");
        Directory.CreateDirectory(ours);
        Directory.CreateDirectory(theirs);
        ToolRunner.RunSync("chown", ["nobody:nogroup", theirs]);

        // Act and assert
        foreach (var path in new[] { ours, theirs, "/" })
        {
            OperatingSystemIdentity.OwnerOf(path).Should().Be(uint.Parse(ToolRunner.RunSync("stat", ["-c", "%u", path]).Trim(), System.Globalization.CultureInfo.InvariantCulture), path);
        }

        OperatingSystemIdentity.OwnerOf(_dir.Combine("missing")).Should().BeNull();
    }

    [Fact]
    public void The_owner_of_a_link_is_the_links_own_not_its_targets()
    {
        // Arrange: root (or we) own the link; nobody owns what it points to.
        var target = _dir.Combine("target");
        Directory.CreateDirectory(target);
        ToolRunner.RunSync("chown", ["nobody:nogroup", target]);
        var link = _dir.Combine("link");
        File.CreateSymbolicLink(link, target);

        // Act and assert
        OperatingSystemIdentity.OwnerOf(link).Should().Be((uint)OperatingSystemIdentity.EffectiveUserId);
    }

    [Fact]
    public async Task A_cache_folder_is_trusted_when_ours_and_not_when_another_user_owns_it()
    {
        // Arrange
        var ours = _dir.Combine("cache-ours");
        Directory.CreateDirectory(ours, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var theirs = _dir.Combine("cache-theirs");
        Directory.CreateDirectory(theirs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ToolRunner.RunSync("chown", ["nobody:nogroup", theirs]);

        // Act and assert
        (await ClusterInit.IsTrustedCacheAsync(ours, CancellationToken.None)).Should().BeTrue();
        (await ClusterInit.IsTrustedCacheAsync(theirs, CancellationToken.None)).Should().BeFalse("a cluster another user planted would run with our restored data");
    }
}
