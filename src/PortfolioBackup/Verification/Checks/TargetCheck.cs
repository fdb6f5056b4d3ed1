namespace PortfolioBackup.Verification.Checks;

/// <summary>
/// <c>target</c>: the PostgreSQL the dump goes to can take it, found before anything is created there: its <c>pg_restore</c>
/// reads the archive version and the table of contents, and every extension the dump creates is available on its server.
/// </summary>
internal sealed class TargetCheck : IVerificationCheck
{
    public string Name => "target";

    public CheckNeeds Needs => CheckNeeds.Target | CheckNeeds.CompleteArchive;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        var target = context.Target!;
        var header = context.Probe.Header!;
        var major = target.MajorVersion;
        if (NewestArchiveVersion(major) is { } newest && header.ArchiveVersion > newest)
        {
            return CheckResult.Fail(Name, $"archive version {header.ArchiveVersion.ToString(3)} (pg_dump {header.PgDumpVersion}) is newer than pg_restore {major} reads " +
                                          $"({newest.ToString(3)}); the target runs {target.Description}. Verify with the production image (--image) or newer programs.");
        }

        if (major > 0 && header.PgDumpMajor > major)
        {
            return CheckResult.Fail(Name, $"the dump was written by pg_dump {header.PgDumpVersion}, newer than the target ({target.Description}); pg_restore {major} " +
                                          $"cannot be trusted with it. Verify with the production image (--image) or PostgreSQL {header.PgDumpMajor} programs.");
        }

        var mapped = await target.MapDumpAsync(context.ArchivePath, cancellationToken);
        var list = await target.RunToolAsync("pg_restore", ["--list", mapped], cancellationToken);
        if (!list.Succeeded)
        {
            return CheckResult.Fail(Name, $"pg_restore {major} cannot read the table of contents: {Sql.FirstError("pg_restore", list.StandardError, list.ExitCode)}");
        }

        var entries = list.StandardOutput.Split('\n').Count(l => l.Length > 0 && !l.StartsWith(';'));
        var wanted = context.DumpExtensions.Concat(context.Expectations.RequiredExtensions).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var available = wanted.Count == 0 ? new HashSet<string>() : await target.AvailableExtensionsAsync(cancellationToken);
        var unavailable = wanted.Where(e => !available.Contains(e)).ToList();
        if (unavailable.Count > 0)
        {
            return CheckResult.Fail(Name, $"the dump needs extension{CheckText.Plural(unavailable.Count)} {string.Join(", ", unavailable)}, not available on the target " +
                                          $"({target.Description}); restore onto an image that ships {(unavailable.Count > 1 ? "them" : "it")}");
        }

        return CheckResult.Pass(Name, $"pg_restore {major} reads the table of contents ({entries} entries); " +
                                      $"{(wanted.Count == 0 ? "no extensions needed" : $"extension{CheckText.Plural(wanted.Count)} {string.Join(", ", wanted)} available")} on {target.Description}");
    }

    /// <summary>The newest archive version a major's pg_restore reads (pg_backup_archiver.h K_VERS_MAX), or null when unknown.</summary>
    private static Version? NewestArchiveVersion(int major) => major switch
    {
        >= 17 => new Version(1, 16, 0),
        16 => new Version(1, 15, 0),
        >= 12 => new Version(1, 14, 0),
        >= 9 => new Version(1, 13, 0),
        _ => null,
    };
}
