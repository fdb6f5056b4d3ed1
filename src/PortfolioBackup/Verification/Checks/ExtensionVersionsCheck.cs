namespace PortfolioBackup.Verification.Checks;

/// <summary><c>extension-versions</c>: every extension the manifest recorded is installed at the same version after restore.</summary>
internal sealed class ExtensionVersionsCheck : IVerificationCheck
{
    public string Name => "extension-versions";

    public CheckNeeds Needs => CheckNeeds.RestoredDatabase;

    public async Task<CheckResult> RunAsync(CheckContext context, CancellationToken cancellationToken)
    {
        if (context.Manifest is not { } manifest)
        {
            return CheckResult.Pass(Name, "no manifest to compare extension versions with");
        }

        var installed = await ExtensionsCheck.InstalledAsync(context.Restored!.Connection, cancellationToken);
        var problems = new List<string>();
        foreach (var extension in manifest.Extensions)
        {
            if (!installed.TryGetValue(extension.Name, out var version))
            {
                problems.Add($"{extension.Name} {extension.Version} is in the manifest but not installed after restore");
            }
            else if (!string.Equals(version, extension.Version, StringComparison.Ordinal))
            {
                problems.Add($"{extension.Name}: production has {extension.Version}, the restore has {version}");
            }
        }

        return CheckResult.FromProblems(Name, problems, $"{manifest.Extensions.Count} extension versions match the manifest");
    }
}
