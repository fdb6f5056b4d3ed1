namespace PortfolioBackup.Archive;

/// <summary>A decompressor rejected a block whose framing was intact: the compressed bytes themselves are damaged.</summary>
internal sealed class CorruptCompressedDataException(ArchiveCompression algorithm, long compressedBytes, Exception inner)
    : Exception($"the {algorithm.ToString().ToLowerInvariant()} stream breaks after {compressedBytes} compressed bytes of the block ({inner.GetType().Name}): the bytes were changed after pg_dump wrote them", inner)
{
    public string Algorithm { get; } = algorithm.ToString().ToLowerInvariant();
}

/// <summary>The archive file itself ended (as opposed to a decompressor's input running short).</summary>
internal sealed class ArchiveEndedException(string message = "the archive ends early") : EndOfStreamException(message);
