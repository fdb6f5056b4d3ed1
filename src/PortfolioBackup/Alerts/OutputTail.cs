using System.Text;
using System.Text.RegularExpressions;

namespace PortfolioBackup.Alerts;

/// <summary>The last lines a job printed (stdout and stderr as they interleaved), for a ping's body; thread-safe.</summary>
public sealed partial class OutputTail
{
    /// <summary>Lines kept.</summary>
    public const int MaxLines = 40;

    /// <summary>Characters a body may hold (healthchecks.io keeps 100 kB; a chat message far less).</summary>
    public const int MaxChars = 10_000;

    /// <summary>
    /// How much of a long line is kept past <see cref="MaxChars"/> until it is masked: a secret that straddles the cut is
    /// still whole when masking looks for it, and only then is the line cut.
    /// </summary>
    private const int MaskingMargin = 1024;

    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _current = new();
    private readonly object _gate = new();

    /// <summary>A tail holding <paramref name="text"/>, as if a job had printed it.</summary>
    public static OutputTail Of(string text)
    {
        var tail = new OutputTail();
        tail.Append(text);
        return tail;
    }

    /// <summary>Adds one whole line after what was recorded, ending a line left open first.</summary>
    public void AppendLine(string line)
    {
        lock (_gate)
        {
            if (_current.Length > 0)
            {
                Push(_current.ToString().TrimEnd('\r'));
                _current.Clear();
            }
        }

        Append(line + "\n");
    }

    /// <summary>Records text as it is written.</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            foreach (var c in text)
            {
                if (c == '\n')
                {
                    Push(_current.ToString().TrimEnd('\r'));
                    _current.Clear();
                }
                else if (_current.Length < MaxChars + MaskingMargin)
                {
                    _current.Append(c);
                }
            }
        }
    }

    /// <summary>The last lines, with every secret replaced by <c>***</c>.</summary>
    public string Text(IReadOnlyList<string> secrets)
    {
        lock (_gate)
        {
            // Masked first, as a whole (a secret may span lines), and cut afterwards, line by line and as a whole, so no cut
            // leaves part of a secret behind.
            var lines = _current.Length > 0 ? _lines.Append(_current.ToString()) : _lines;
            var masked = Mask(string.Join('\n', lines), secrets);
            var text = string.Join('\n', masked.Split('\n').Select(l => l.Length > MaxChars ? l[..MaxChars] : l));

            // The end of the output says most about how a job ended.
            return text.Length > MaxChars ? text[^MaxChars..] : text;
        }
    }

    /// <summary>
    /// Replaces the given secret values, and anything shaped like a key we know (an age secret key, a verdict signing key,
    /// a password in a URL), with <c>***</c>: a ping body or a notification carries no secret, whatever a job printed.
    /// </summary>
    public static string Mask(string text, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        return KeyShapes().Replace(Tools.ToolRunner.Mask(text, secrets), "***");
    }

    private void Push(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > MaxLines)
        {
            _lines.Dequeue();
        }
    }

    // An age secret key in either case; a verdict signing key; a libpq keyword password (password=… or password='…');
    // a URL's user info with its password, up to the last '@' before the host (a password may hold '@'; the user may be empty).
    [GeneratedRegex(
        @"(?i:AGE-SECRET-KEY-1[0-9A-Z]+)|verdict-secret:[A-Za-z0-9+/=]+|(?i:(?<=\bpassword\s*=\s*))(?:'(?:[^'\\]|\\.|'')*'|[^\s'][^\s]*)|(?<=://)[^/\s@:]*:[^/\s]*(?=@[^/@\s]*(?:[/\s?#]|$))",
        RegexOptions.CultureInvariant)]
    private static partial Regex KeyShapes();
}
