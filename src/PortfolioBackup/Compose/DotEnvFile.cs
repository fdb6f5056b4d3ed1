using System.Text;

namespace PortfolioBackup.Compose;

/// <summary>Reads a compose <c>.env</c> file: <c>KEY=VALUE</c> lines, <c>export</c> prefixes, comments, single quotes (literal) and double quotes (escapes, substitution).</summary>
internal static class DotEnvFile
{
    /// <summary>Parses the file's text; <paramref name="environment"/> answers variables the file references but does not define.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text, string path, Func<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Lookup(string name) => values.TryGetValue(name, out var v) ? v : environment(name);

        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var position = 0;
        var lineNumber = 0;
        while (position < text.Length)
        {
            var lineEnd = text.IndexOf('\n', position);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            lineNumber++;
            var line = text[position..lineEnd].Trim();
            var startOfLine = position;
            position = lineEnd + 1;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal) || line.StartsWith("export\t", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var equals = line.IndexOf('=');
            var where = $"{path} line {lineNumber}";
            if (equals < 0)
            {
                // A bare KEY takes its value from the environment, which wins over .env anyway.
                if (IsName(line))
                {
                    continue;
                }

                throw new ComposeException($"{where} is not KEY=VALUE: \"{line}\"; fix or remove the line");
            }

            var key = line[..equals].Trim();
            if (!IsName(key))
            {
                throw new ComposeException($"{where} has an invalid variable name \"{key}\"; names are letters, digits and _");
            }

            var rawStart = text.IndexOf('=', startOfLine) + 1;
            while (rawStart < text.Length && text[rawStart] is ' ' or '\t')
            {
                rawStart++;
            }

            var quote = rawStart < text.Length ? text[rawStart] : '\0';
            if (quote is '\'' or '"')
            {
                var (value, end) = Quoted(text, rawStart, quote, where);
                values[key] = quote == '"' ? ComposeInterpolation.Interpolate(value, Lookup, where) : value;
                lineNumber += text[rawStart..end].Count(ch => ch == '\n');
                var after = text.IndexOf('\n', end);
                position = after < 0 ? text.Length : after + 1;
            }
            else
            {
                var value = line[(equals + 1)..].Trim();
                var comment = CommentStart(value);
                if (comment >= 0)
                {
                    value = value[..comment].TrimEnd();
                }

                values[key] = ComposeInterpolation.Interpolate(value, Lookup, where);
            }
        }

        return values;
    }

    private static (string Value, int End) Quoted(string text, int start, char quote, string where)
    {
        var value = new StringBuilder();
        for (var i = start + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == quote)
            {
                return (value.ToString(), i + 1);
            }

            if (quote == '"' && c == '\\' && i + 1 < text.Length)
            {
                var escaped = text[++i];
                switch (escaped)
                {
                    case 'n':
                        value.Append('\n');
                        break;
                    case 'r':
                        value.Append('\r');
                        break;
                    case 't':
                        value.Append('\t');
                        break;
                    case '$':
                        // Kept escaped so the substitution that follows yields a literal $.
                        value.Append("$$");
                        break;
                    default:
                        value.Append(escaped);
                        break;
                }

                continue;
            }

            value.Append(c);
        }

        throw new ComposeException($"{where} opens a {quote} quote that is never closed; close it");
    }

    private static int CommentStart(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '#' && (i == 0 || char.IsWhiteSpace(value[i - 1])))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsName(string text) =>
        text.Length > 0 && (text[0] == '_' || char.IsAsciiLetter(text[0])) && text.All(c => c == '_' || c == '.' || char.IsAsciiLetterOrDigit(c));
}
