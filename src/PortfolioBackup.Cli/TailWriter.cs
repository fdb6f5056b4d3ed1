using System.Text;
using PortfolioBackup.Alerts;

namespace PortfolioBackup.Cli;

/// <summary>Writes through to the real output and keeps its last lines for a ping's body.</summary>
internal sealed class TailWriter(TextWriter inner, OutputTail tail) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value)
    {
        tail.Append([value]);
        inner.Write(value);
    }

    public override void Write(string? value)
    {
        tail.Append(value);
        inner.Write(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        tail.Append(buffer.AsSpan(index, count));
        inner.Write(buffer, index, count);
    }

    public override void WriteLine(string? value)
    {
        tail.Append(value);
        tail.Append(CoreNewLine);
        inner.WriteLine(value);
    }

    public override Task WriteAsync(string? value)
    {
        tail.Append(value);
        return inner.WriteAsync(value);
    }

    public override Task WriteLineAsync(string? value)
    {
        tail.Append(value);
        tail.Append(CoreNewLine);
        return inner.WriteLineAsync(value);
    }

    public override Task WriteLineAsync()
    {
        tail.Append(CoreNewLine);
        return inner.WriteLineAsync();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();
}
