namespace PortfolioBackup.Catalog;

/// <summary>Splits a stream into '\n'-ended lines without ever holding more than one bounded line in memory.</summary>
internal static class LedgerLines
{
    /// <summary>Each line (1-based number, bytes without the '\n'), or a null line for one longer than <paramref name="maxBytes"/>, which is skipped unread.</summary>
    public static async IAsyncEnumerable<(long Number, byte[]? Line)> ReadAsync(
        Stream stream, int maxBytes, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        var tooLong = false;
        long number = 1;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var end = Array.IndexOf(buffer, (byte)'\n', start, read - start);
                var stop = end < 0 ? read : end;
                if (!tooLong)
                {
                    if (line.Length + (stop - start) > maxBytes)
                    {
                        // The rest of this line is counted past, never stored.
                        tooLong = true;
                        line.SetLength(0);
                        line.Capacity = 0;
                    }
                    else
                    {
                        line.Write(buffer, start, stop - start);
                    }
                }

                if (end < 0)
                {
                    break;
                }

                yield return (number++, tooLong ? null : line.ToArray());
                line.SetLength(0);
                tooLong = false;
                start = end + 1;
            }
        }

        // A last line without '\n' is a torn write or an editor's doing; it is still offered to the parser.
        if (tooLong || line.Length > 0)
        {
            yield return (number, tooLong ? null : line.ToArray());
        }
    }
}
