using System.Text;

namespace PortfolioBackup.Compose;

/// <summary>Compose's variable substitution: <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-d}</c>, <c>${VAR-d}</c>, <c>${VAR:?e}</c>, <c>${VAR?e}</c>, <c>${VAR:+r}</c>, <c>${VAR+r}</c>, <c>$$</c>.</summary>
internal static class ComposeInterpolation
{
    /// <summary>Substitutes every variable in <paramref name="text"/>; a variable without a value becomes empty and is reported in <paramref name="unset"/>.</summary>
    /// <exception cref="ComposeException">A required variable is missing, or the syntax is invalid; <paramref name="where"/> names the place.</exception>
    public static string Interpolate(string text, Func<string, string?> lookup, string where, ICollection<string>? unset = null)
    {
        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '$')
            {
                result.Append(c);
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw Invalid(text, where);
            }

            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i += 2;
            }
            else if (next == '{')
            {
                var close = MatchingBrace(text, i + 1) ?? throw Invalid(text, where);
                result.Append(Braced(text[(i + 2)..close], text, lookup, where, unset));
                i = close + 1;
            }
            else if (IsNameStart(next))
            {
                var end = i + 1;
                while (end < text.Length && IsNameChar(text[end]))
                {
                    end++;
                }

                var name = text[(i + 1)..end];
                result.Append(Value(name, lookup, unset));
                i = end;
            }
            else
            {
                throw Invalid(text, where);
            }
        }

        return result.ToString();
    }

    private static string Braced(string body, string text, Func<string, string?> lookup, string where, ICollection<string>? unset)
    {
        var nameLength = 0;
        while (nameLength < body.Length && (nameLength == 0 ? IsNameStart(body[0]) : IsNameChar(body[nameLength])))
        {
            nameLength++;
        }

        if (nameLength == 0)
        {
            throw Invalid(text, where);
        }

        var name = body[..nameLength];
        var rest = body[nameLength..];
        if (rest.Length == 0)
        {
            return Value(name, lookup, unset);
        }

        var value = lookup(name);
        var colon = rest.StartsWith(':');
        var op = colon ? rest.Length > 1 ? rest[1] : '\0' : rest[0];
        var argument = rest[(colon ? 2 : 1)..];
        // With a colon the test is "unset or empty", without it only "unset", as in POSIX shells.
        var missing = colon ? string.IsNullOrEmpty(value) : value is null;
        switch (op)
        {
            case '-':
                return missing ? Interpolate(argument, lookup, where, unset) : value!;
            case '?':
                if (missing)
                {
                    var message = Interpolate(argument, lookup, where, unset);
                    throw new ComposeException(
                        $"required variable {name} is missing a value in {where}: {(message.Length == 0 ? $"{name} must be set" : message)}; set it in the environment or in the .env file");
                }

                return value!;
            case '+':
                return missing ? string.Empty : Interpolate(argument, lookup, where, unset);
            default:
                throw Invalid(text, where);
        }
    }

    private static string Value(string name, Func<string, string?> lookup, ICollection<string>? unset)
    {
        var value = lookup(name);
        if (value is null)
        {
            unset?.Add(name);
        }

        return value ?? string.Empty;
    }

    private static int? MatchingBrace(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth == 0)
            {
                return i;
            }
        }

        return null;
    }

    private static bool IsNameStart(char c) => c == '_' || char.IsAsciiLetter(c);

    private static bool IsNameChar(char c) => c == '_' || char.IsAsciiLetterOrDigit(c);

    private static ComposeException Invalid(string text, string where) =>
        new($"invalid interpolation format in {where}: \"{text}\"; write $$ for a literal $");
}
