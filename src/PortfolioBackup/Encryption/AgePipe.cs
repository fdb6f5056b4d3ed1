using System.Security.Cryptography;
using System.Threading.Channels;
using PortfolioBackup.Tools;

namespace PortfolioBackup.Encryption;

/// <summary>What a producer piped through <c>age</c> left: both programs' results (or why they did not finish) and the plaintext's facts.</summary>
/// <param name="Producer">The producer's result, or null when it did not finish (see <paramref name="ProducerError"/>).</param>
/// <param name="ProducerError">What stopped the producer, when it threw.</param>
/// <param name="Age">age's result, or null when it did not finish.</param>
/// <param name="AgeError">What stopped age, when it threw.</param>
/// <param name="FirstFailure">"producer" or "age": the one that failed first on its own (the other was stopped because of it), or null.</param>
/// <param name="PlaintextSizeBytes">Bytes the producer wrote.</param>
/// <param name="PlaintextSha256">Lower-case hex SHA-256 of those bytes.</param>
/// <param name="Head">The plaintext's first bytes (up to 16), to check the format without keeping anything.</param>
internal sealed record AgePipeOutcome(
    ToolResult? Producer,
    Exception? ProducerError,
    ToolResult? Age,
    Exception? AgeError,
    string? FirstFailure,
    long PlaintextSizeBytes,
    string PlaintextSha256,
    byte[] Head)
{
    public bool Succeeded => FirstFailure is null && Producer is { Succeeded: true } && Age is { Succeeded: true };
}

/// <summary>
/// Streams a program's stdout into <c>age -r … -o FILE</c> through this process, hashing the plaintext on the way: the
/// plaintext exists only in pipes and in a few bounded buffers, never on a disk.
/// </summary>
internal static class AgePipe
{
    private const int ChunkSize = 128 * 1024;
    private const int ChunksInFlight = 4;

    public static async Task<AgePipeOutcome> EncryptAsync(
        ToolInvocation producer, string agePath, IReadOnlyList<string> recipients, string outputFile, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var head = new byte[16];
        var headLength = 0;
        long size = 0;
        string? firstFailure = null;

        void Fail(string who)
        {
            Interlocked.CompareExchange(ref firstFailure, who, null);
            channel.Writer.TryComplete();
            stop.Cancel();
        }

        var producing = producer with
        {
            StandardOutputFile = null,
            StandardOutputReader = async (stdout, token) =>
            {
                try
                {
                    while (true)
                    {
                        var buffer = new byte[ChunkSize];
                        var read = await stdout.ReadAsync(buffer, token);
                        if (read == 0)
                        {
                            break;
                        }

                        hash.AppendData(buffer, 0, read);
                        var copied = Math.Min(read, head.Length - headLength);
                        Array.Copy(buffer, 0, head, headLength, copied);
                        headLength += copied;
                        size += read;
                        await channel.Writer.WriteAsync(buffer.AsMemory(0, read), token);
                    }
                }
                finally
                {
                    channel.Writer.TryComplete();
                }
            },
        };
        var encrypting = new ToolInvocation(agePath, [.. recipients.SelectMany(r => new[] { "--recipient", r }), "--output", outputFile])
        {
            StandardInputWriter = async (stdin, token) =>
            {
                await foreach (var chunk in channel.Reader.ReadAllAsync(token))
                {
                    await stdin.WriteAsync(chunk, token);
                }
            },
        };

        async Task<(ToolResult? Result, Exception? Error)> WatchAsync(Task<ToolResult> running, string who)
        {
            try
            {
                var result = await running;
                if (!result.Succeeded)
                {
                    Fail(who);
                }

                return (result, null);
            }
            catch (Exception ex)
            {
                // Stopped because the other one failed (or the caller cancelled): not this one's own failure.
                if (!stop.IsCancellationRequested)
                {
                    Fail(who);
                }

                return (null, ex);
            }
        }

        var ageRun = WatchAsync(ToolRunner.RunAsync(encrypting, stop.Token), "age");
        var producerRun = WatchAsync(ToolRunner.RunAsync(producing, stop.Token), "producer");
        var (producerResult, producerError) = await producerRun;
        var (ageResult, ageError) = await ageRun;
        cancellationToken.ThrowIfCancellationRequested();
        return new AgePipeOutcome(producerResult, producerError, ageResult, ageError, firstFailure, size,
            Convert.ToHexStringLower(hash.GetHashAndReset()), head[..headLength]);
    }
}
