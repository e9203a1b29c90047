namespace ActorLoki.Shipper.Discovery;

/// <summary>
/// A shell-style name pattern: <c>*</c> matches any run of characters, <c>?</c> one character, anything
/// else itself (case-sensitive, as Kubernetes names are). Used for the include/exclude lists of pods and
/// containers.
/// </summary>
public sealed class GlobPattern
{
    private readonly string _pattern;

    public GlobPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        _pattern = pattern;
    }

    public override string ToString() => _pattern;

    public bool IsMatch(ReadOnlySpan<char> name)
    {
        // Iterative matching with one back-tracking point: linear for patterns with a single star run,
        // and never exponential (no recursion).
        var pattern = _pattern.AsSpan();
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}

/// <summary>An include list (empty includes everything) and an exclude list (wins over includes).</summary>
public sealed class NameFilter(IEnumerable<string> include, IEnumerable<string> exclude)
{
    private readonly GlobPattern[] _include = [.. include.Select(p => new GlobPattern(p))];
    private readonly GlobPattern[] _exclude = [.. exclude.Select(p => new GlobPattern(p))];

    public static NameFilter All { get; } = new([], []);

    public bool Allows(string name) =>
        (_include.Length == 0 || _include.Any(p => p.IsMatch(name))) && !_exclude.Any(p => p.IsMatch(name));
}
