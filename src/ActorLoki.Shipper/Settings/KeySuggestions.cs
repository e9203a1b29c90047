namespace ActorLoki.Shipper.Settings;

/// <summary>"Did you mean ...?": the known key closest to an unknown one, by edit distance over full paths and over last segments.</summary>
internal static class KeySuggestions
{
    public static string? Closest(string unknown, IEnumerable<string> known)
    {
        var unknownLast = LastSegment(unknown);
        string? best = null;
        var bestScore = int.MaxValue;
        var bestFull = int.MaxValue;
        foreach (var candidate in known)
        {
            var full = Distance(unknown, candidate);
            var last = Distance(unknownLast, LastSegment(candidate));
            var fullOk = full <= Math.Max(2, unknownLast.Length / 3);
            var lastOk = last <= Math.Max(1, unknownLast.Length / 4);
            if (!fullOk && !lastOk)
            {
                continue;
            }

            // A key in the wrong section (same last segment) ranks just behind a near-typo of the full path.
            var score = fullOk ? full : last + 3;
            if (score < bestScore || (score == bestScore && full < bestFull))
            {
                (best, bestScore, bestFull) = (candidate, score, full);
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string LastSegment(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? path : path[(dot + 1)..];
    }
}
