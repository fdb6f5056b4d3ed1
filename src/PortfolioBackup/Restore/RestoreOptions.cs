using PortfolioBackup.Verification;

namespace PortfolioBackup.Restore;

/// <summary>How much of the dump is checked before the target is touched.</summary>
public enum RestoreVerifyMode
{
    /// <summary>File checks: custom-format header, manifest size and SHA-256, a readable table of contents.</summary>
    Quick,

    /// <summary>The quick checks plus a full verification restore into a throwaway server.</summary>
    Full,

    /// <summary>No checks (the table of contents is still read to show what will be replaced).</summary>
    None,
}

/// <summary>One restore: the dump, the target, and the safety rails around it.</summary>
public sealed record RestoreOptions
{
    /// <summary>The custom-format dump to restore.</summary>
    public required string DumpPath { get; init; }

    /// <summary>The database the dump replaces.</summary>
    public required RestoreTarget Target { get; init; }

    /// <summary>How the dump is checked before anything touches the target.</summary>
    public RestoreVerifyMode Verify { get; init; } = RestoreVerifyMode.Quick;

    /// <summary>How <see cref="RestoreVerifyMode.Full"/> verifies (engine, image, expectations); no ledger is written by default.</summary>
    public VerificationOptions FullVerification { get; init; } = new();

    /// <summary>The age secret key that reads an encrypted dump (<c>….dump.age</c>); it is decrypted once into a private file.</summary>
    public Encryption.AgeIdentity? Identity { get; init; }

    /// <summary>The age public keys the safety backup is encrypted for (as backups are, from BACKUP_AGE_RECIPIENTS); empty writes it plain.</summary>
    public IReadOnlyList<string> SafetyBackupRecipients { get; init; } = [];

    /// <summary>Restore even when the checks find the dump unhealthy.</summary>
    public bool Force { get; init; }

    /// <summary>Take a <c>pre-restore_…</c> backup of the target first.</summary>
    public bool SafetyBackup { get; init; } = true;

    /// <summary>Where the safety backup goes (BACKUP_DIR); required when <see cref="SafetyBackup"/> is on.</summary>
    public string? BackupDirectory { get; init; }

    /// <summary>Parallel <c>pg_restore</c> jobs.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Restore in one transaction: all or nothing (not possible with several jobs).</summary>
    public bool SingleTransaction { get; init; }

    /// <summary>Create the target database when it does not exist (asked for in the confirmation).</summary>
    public bool CreateMissingDatabase { get; init; } = true;

    /// <summary>Shown the plan before anything is dropped; returns true to go ahead. Refuses when not set.</summary>
    public Func<RestorePlan, CancellationToken, Task<bool>>? ConfirmAsync { get; init; }

    /// <summary>Called with phase descriptions ("checking the dump", "taking a safety backup", ...).</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>Called as pg_restore works through the table of contents.</summary>
    public Action<RestoreProgress>? RestoreProgress { get; init; }

    /// <summary>The clock that names the safety backup.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>How far pg_restore has got: table-of-contents entries done of the dump's total.</summary>
public sealed record RestoreProgress(int Done, int Total, string Current);
