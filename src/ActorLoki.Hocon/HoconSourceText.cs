namespace ActorLoki.Hocon;

/// <summary>
/// The text of one parsed source, kept so that an error found after parsing (a bad value, a
/// substitution cycle) can still quote the offending line. Line starts are computed on first use.
/// </summary>
internal sealed class HoconSourceText(string description, string text)
{
    private int[]? _lineStarts;

    public string Description { get; } = description;

    public string Text { get; } = text;

    public string? GetLine(int line)
    {
        var starts = _lineStarts ??= ComputeLineStarts(Text);
        if (line < 1 || line > starts.Length)
        {
            return null;
        }

        var start = starts[line - 1];
        var end = Text.IndexOf('\n', start);
        if (end < 0)
        {
            end = Text.Length;
        }

        return Text[start..end].TrimEnd('\r');
    }

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return [.. starts];
    }
}
