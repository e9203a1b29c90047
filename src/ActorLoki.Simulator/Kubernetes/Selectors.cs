namespace ActorLoki.Simulator.Kubernetes;

/// <summary>
/// Label selectors (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>)
/// and field selectors (<c>f=v</c>, <c>f==v</c>, <c>f!=v</c>), as the API server applies them.
/// </summary>
internal sealed class Selector
{
    private readonly List<Func<Func<string, string?>, bool>> _requirements;

    private Selector(List<Func<Func<string, string?>, bool>> requirements) => _requirements = requirements;

    public static Selector Everything { get; } = new([]);

    public bool Matches(Func<string, string?> lookup) => _requirements.TrueForAll(r => r(lookup));

    /// <summary>Parses a label selector; returns false with an error message the server would give.</summary>
    public static bool TryParseLabels(string? text, out Selector selector, out string? error)
    {
        selector = Everything;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var requirements = new List<Func<Func<string, string?>, bool>>();
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            if (TrySetTerm(term, " notin ", out var key, out var values))
            {
                requirements.Add(l => l(key) is not { } v || !values.Contains(v));
            }
            else if (TrySetTerm(term, " in ", out key, out values))
            {
                requirements.Add(l => l(key) is { } v && values.Contains(v));
            }
            else if (term.Contains("!=", StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "!=");
                requirements.Add(l => l(k) != v);
            }
            else if (term.Contains("==", StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "==");
                requirements.Add(l => l(k) == v);
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "=");
                requirements.Add(l => l(k) == v);
            }
            else if (term.StartsWith('!'))
            {
                var k = term[1..].Trim();
                requirements.Add(l => l(k) is null);
            }
            else if (IsName(term))
            {
                requirements.Add(l => l(term) is not null);
            }
            else
            {
                error = $"unable to parse requirement: {term}";
                return false;
            }
        }

        selector = new Selector(requirements);
        return true;
    }

    /// <summary>Parses a field selector over <paramref name="supported"/> fields.</summary>
    public static bool TryParseFields(string? text, IReadOnlySet<string> supported, string kind, out Selector selector, out string? error)
    {
        selector = Everything;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var requirements = new List<Func<Func<string, string?>, bool>>();
        foreach (var part in text.Split(','))
        {
            var term = part.Trim();
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var (field, value) = negate ? Split(term, "!=") : term.Contains("==", StringComparison.Ordinal) ? Split(term, "==") : Split(term, "=");
            if (!supported.Contains(field))
            {
                error = $"\"{field}\" is not a known field selector: only \"{string.Join("\", \"", supported)}\"";
                _ = kind;
                return false;
            }

            requirements.Add(negate ? l => l(field) != value : l => l(field) == value);
        }

        selector = new Selector(requirements);
        return true;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static bool TrySetTerm(string term, string op, out string key, out HashSet<string> values)
    {
        key = string.Empty;
        values = [];
        var at = term.IndexOf(op, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        key = term[..at].Trim();
        var list = term[(at + op.Length)..].Trim();
        if (!list.StartsWith('(') || !list.EndsWith(')'))
        {
            return false;
        }

        values = list[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return true;
    }

    private static (string Key, string Value) Split(string term, string op)
    {
        var at = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..at].Trim(), term[(at + op.Length)..].Trim());
    }

    private static bool IsName(string term) => term.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');
}
