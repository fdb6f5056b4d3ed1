namespace PortfolioBackup.Archive;

/// <summary>Counts the rows of one table's data as it streams by, buffer after buffer.</summary>
internal interface IRowCounter
{
    void Add(ReadOnlySpan<byte> data);

    /// <summary>The exact row count, or null with <see cref="Reason"/> when it cannot be known exactly.</summary>
    long? Finish();

    string? Reason { get; }
}

/// <summary>
/// COPY text format: one line per row, because newlines inside values are written as <c>\n</c>. pg_dump ends the data
/// with the line <c>\.</c> and two empty lines (dumpTableData_copy writes "\\.\n\n\n"); those are not rows. No row can be
/// <c>\.</c> since a backslash in a value is written <c>\\</c>.
/// </summary>
internal sealed class CopyRowCounter : IRowCounter
{
    private const int TailSize = 64;
    private readonly byte[] _tail = new byte[TailSize];
    private int _tailLength;
    private long _newlines;
    private long _length;

    public string? Reason => null;

    public void Add(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _newlines += data.Count((byte)'\n');
        _length += data.Length;
        if (data.Length >= TailSize)
        {
            data[^TailSize..].CopyTo(_tail);
            _tailLength = TailSize;
        }
        else
        {
            var keep = Math.Min(_tailLength, TailSize - data.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            data.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + data.Length;
        }
    }

    public long? Finish()
    {
        var tail = _tail.AsSpan(0, _tailLength);
        var content = tail.TrimEnd((byte)'\n');
        var trailingNewlines = tail.Length - content.Length;
        if (trailingNewlines > 0 && content.EndsWith("\\."u8)
            && (content.Length == 2 ? _length == tail.Length : content[^3] == '\n'))
        {
            // Every newline from the one ending the \. line onwards belongs to the terminator.
            return _newlines - trailingNewlines;
        }

        return _newlines + (_length > 0 && tail[^1] != '\n' ? 1 : 0);
    }
}

/// <summary>
/// Data dumped with <c>--inserts</c>, <c>--column-inserts</c> or <c>--rows-per-insert</c>: SQL INSERT statements as
/// pg_dump's dumpTableData_insert writes them. Rows are the parenthesised groups that follow the VALUES keyword outside
/// string literals and quoted identifiers (a zero-column table's <c>DEFAULT VALUES</c> counts one row per statement).
/// </summary>
internal sealed class InsertRowCounter(bool standardConformingStrings) : IRowCounter
{
    private const ulong ValuesWord = 0x56414C554553UL;
    private const ulong EscapePrefix = 0x45UL;

    private State _state;
    private bool _escapeString;
    private int _depth;
    private bool _afterValues;
    private long _rowsInStatement;
    private long _rows;
    private ulong _word;
    private string? _reason;

    private enum State
    {
        Normal,
        InString,
        BackslashInString,
        QuoteInString,
        InIdentifier,
        QuoteInIdentifier,
    }

    public string? Reason => _reason;

    public void Add(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            Step(b);
        }
    }

    public long? Finish()
    {
        if (_reason is not null)
        {
            return null;
        }

        if (_state is not (State.Normal or State.QuoteInString or State.QuoteInIdentifier) || _depth != 0 || _afterValues)
        {
            _reason = "the INSERT statements end inside a statement, so their rows cannot be counted exactly";
            return null;
        }

        return _rows;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.InString:
                if (b == '\'')
                {
                    _state = State.QuoteInString;
                }
                else if (b == '\\' && _escapeString)
                {
                    _state = State.BackslashInString;
                }

                return;
            case State.BackslashInString:
                _state = State.InString;
                return;
            case State.QuoteInString:
                if (b == '\'')
                {
                    _state = State.InString;
                    return;
                }

                _state = State.Normal;
                break;
            case State.InIdentifier:
                if (b == '"')
                {
                    _state = State.QuoteInIdentifier;
                }

                return;
            case State.QuoteInIdentifier:
                if (b == '"')
                {
                    _state = State.InIdentifier;
                    return;
                }

                _state = State.Normal;
                break;
        }

        NormalByte(b);
    }

    private void NormalByte(byte b)
    {
        // Track the last unquoted word to spot VALUES (a reserved word, so never an unquoted name) and the E'' prefix.
        if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z'))
        {
            _word = (_word << 8) | (byte)(b & 0xDF);
            return;
        }

        if (b is (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'$')
        {
            _word = (_word << 8) | b;
            return;
        }

        var word = _word;
        _word = 0;
        if (_depth == 0 && word == ValuesWord)
        {
            _afterValues = true;
        }

        switch (b)
        {
            case (byte)'\'':
                _escapeString = word == EscapePrefix || !standardConformingStrings;
                _state = State.InString;
                break;
            case (byte)'"':
                _state = State.InIdentifier;
                break;
            case (byte)'(':
                if (_depth == 0 && _afterValues)
                {
                    _rowsInStatement++;
                }

                _depth++;
                break;
            case (byte)')':
                if (--_depth < 0)
                {
                    _reason ??= "the INSERT data has unbalanced parentheses, so its rows cannot be counted exactly";
                    _depth = 0;
                }

                break;
            case (byte)';':
                if (_depth == 0)
                {
                    EndStatement();
                }

                break;
        }
    }

    private void EndStatement()
    {
        if (_afterValues)
        {
            // "INSERT INTO t DEFAULT VALUES;" has no row list but inserts one row.
            _rows += Math.Max(1, _rowsInStatement);
        }
        else
        {
            _reason ??= "the table data holds a statement that is not an INSERT … VALUES, so its rows cannot be counted exactly";
        }

        _afterValues = false;
        _rowsInStatement = 0;
    }
}
