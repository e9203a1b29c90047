namespace ActorLoki.Shipper.Discovery;

/// <summary>
/// A Kubernetes label selector as written in a list request's <c>labelSelector</c> (<c>app=x,tier!=db,env in (a,b),!canary</c>),
/// matched against a pod's labels on the shipper's side: scaled out, it tells the shipper's own replicas (found by
/// <c>cluster.bootstrap.pod-label-selector</c>) from the pods it follows.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    private LabelSelector()
    {
    }

    /// <summary>Parses a selector; an empty one matches every pod. Throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static LabelSelector Parse(string selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var parsed = new LabelSelector();
        foreach (var requirement in SplitRequirements(selector))
        {
            parsed._requirements.Add(ParseRequirement(requirement, selector));
        }

        return parsed;
    }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var requirement in _requirements)
        {
            if (!requirement(labels))
            {
                return false;
            }
        }

        return true;
    }

    // Commas separate requirements, except inside the parentheses of a set.
    private static IEnumerable<string> SplitRequirements(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= selector.Length; i++)
        {
            if (i == selector.Length || (selector[i] == ',' && depth == 0))
            {
                var part = selector[start..i].Trim();
                if (part.Length > 0)
                {
                    yield return part;
                }

                start = i + 1;
            }
            else if (selector[i] == '(')
            {
                depth++;
            }
            else if (selector[i] == ')')
            {
                depth--;
            }
        }
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string requirement, string selector)
    {
        if (requirement.StartsWith('!'))
        {
            var key = Key(requirement[1..], selector);
            return labels => !labels.ContainsKey(key);
        }

        foreach (var (op, negate) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = requirement.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(requirement[..at], selector);
                var value = requirement[(at + op.Length)..].Trim();
                return negate
                    ? labels => !labels.TryGetValue(key, out var v) || v != value
                    : labels => labels.TryGetValue(key, out var v) && v == value;
            }
        }

        var words = requirement.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2 && (words[1].StartsWith("in ", StringComparison.Ordinal) || words[1].StartsWith("in(", StringComparison.Ordinal)
            || words[1].StartsWith("notin ", StringComparison.Ordinal) || words[1].StartsWith("notin(", StringComparison.Ordinal)))
        {
            var key = Key(words[0], selector);
            var notIn = words[1].StartsWith("notin", StringComparison.Ordinal);
            var set = words[1][(notIn ? 5 : 2)..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')'))
            {
                throw new FormatException($"label selector \"{selector}\": the set of \"{requirement}\" must be in parentheses");
            }

            var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return notIn
                ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                : labels => labels.TryGetValue(key, out var v) && values.Contains(v);
        }

        var exists = Key(requirement, selector);
        return labels => labels.ContainsKey(exists);
    }

    private static string Key(string text, string selector)
    {
        var key = text.Trim();
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!'))
        {
            throw new FormatException($"label selector \"{selector}\": \"{text.Trim()}\" is not a label key");
        }

        return key;
    }
}
