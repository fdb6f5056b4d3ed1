using System.Runtime.InteropServices;
using PortfolioBackup.Cli;
using PortfolioBackup.Tools;

using var cancellation = new CancellationTokenSource();

// Ctrl-C and SIGTERM cancel the running operation so it can kill its child processes and remove partial files.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

var context = new CliContext(
    EnvironmentVariables.Current(),
    Console.Out,
    Console.Error,
    IsTerminal: !Console.IsOutputRedirected && !Console.IsErrorRedirected)
{
    EndsWithCommand = true,
};
return await CliApp.RunAsync(args, context, cancellation.Token);
