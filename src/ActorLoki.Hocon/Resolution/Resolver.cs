namespace ActorLoki.Hocon.Resolution;

/// <summary>
/// Resolves the substitutions of a merged tree, lazily and memoized per node, as the specification
/// describes. A substitution looks forward (at the final value of its path); when that would be a
/// cycle, it looks back: a lookup that meets a definition still being resolved uses the definitions
/// below it in its merge stack (<c>path = ${path} [more]</c>). A cycle with nothing below is an error,
/// or undefined for <c>${?path}</c>. Paths that are not in the tree fall back to the environment.
/// </summary>
internal sealed class Resolver
{
    private const int MaxDepth = 200;

    /// <summary>Most values a resolved tree may expand to; shared subtrees count each time, as printing or flattening would visit them.</summary>
    private const long MaxValues = 1_000_000;

    private readonly HoconObject _root;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Dictionary<HoconValue, HoconValue> _shallow = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<HoconValue, HoconValue> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<HoconValue, int> _shallowInProgress = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<HoconValue> _resolveInProgress = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(HoconDelayedMerge, int), HoconValue> _suffixes = [];
    private readonly List<HoconSubstitution> _substitutions = [];
    private int _depth;

    private Resolver(HoconObject root, IReadOnlyDictionary<string, string> environment)
    {
        _root = root;
        _environment = environment;
    }

    public static HoconObject Resolve(HoconObject root, IReadOnlyDictionary<string, string> environment)
    {
        if (root.IsResolved)
        {
            return root;
        }

        var resolved = new Resolver(root, environment).ResolveFully(root);
        return (HoconObject)resolved;
    }

    /// <summary>The node with everything below it resolved; <see cref="HoconUndefined"/> when it vanishes.</summary>
    private HoconValue ResolveFully(HoconValue node)
    {
        if (node.IsResolved)
        {
            return node;
        }

        if (_resolved.TryGetValue(node, out var done))
        {
            return done;
        }

        if (!_resolveInProgress.Add(node))
        {
            throw new HoconException(node.Origin, $"{node.Describe()} contains itself: the value would be infinitely deep (substitution cycle)");
        }

        Enter(node);
        try
        {
            var shallow = Shallow(node);
            HoconValue result = shallow switch
            {
                HoconObject obj => ResolveObject(obj, node.Origin),
                HoconArray array => new HoconArray(
                    array.Items.Select(ResolveFully).Where(static v => v is not HoconUndefined),
                    node.Origin),
                HoconScalar scalar => scalar,
                _ => HoconUndefined.Instance,
            };
            if (result.Weight > MaxValues)
            {
                throw new HoconException(
                    node.Origin,
                    FormattableString.Invariant($"the configuration expands to more than {MaxValues} values (a large object substituted too often?)"));
            }

            _resolved[node] = result;
            return result;
        }
        finally
        {
            _resolveInProgress.Remove(node);
            _depth--;
        }
    }

    private HoconObject ResolveObject(HoconObject obj, HoconOrigin origin)
    {
        var fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal);
        foreach (var (key, value) in obj.Fields)
        {
            var resolved = ResolveFully(value);
            if (resolved is not HoconUndefined)
            {
                fields[key] = resolved;
            }
        }

        return new HoconObject(fields, origin, adopt: true);
    }

    private void Enter(HoconValue node)
    {
        if (++_depth > MaxDepth)
        {
            _depth--;
            throw new HoconException(node.Origin, FormattableString.Invariant($"substitutions refer to one another more than {MaxDepth} levels deep"));
        }
    }

    /// <summary>The node as an object, array or scalar whose children may still be unresolved.</summary>
    private HoconValue Shallow(HoconValue node)
    {
        if (node is HoconObject or HoconArray or HoconScalar)
        {
            return node;
        }

        if (_shallow.TryGetValue(node, out var done))
        {
            return done;
        }

        Enter(node);
        _shallowInProgress[node] = 0;
        try
        {
            var result = node switch
            {
                HoconSubstitution substitution => ShallowSubstitution(substitution),
                HoconConcatenation concatenation => ShallowConcatenation(concatenation),
                HoconDelayedMerge delayed => ShallowDelayedMerge(delayed),
                _ => HoconUndefined.Instance,
            };
            _shallow[node] = result;
            return result;
        }
        finally
        {
            _shallowInProgress.Remove(node);
            _depth--;
        }
    }

    private HoconValue ShallowDelayedMerge(HoconDelayedMerge delayed)
    {
        HoconObject? merged = null;
        for (var i = 0; i < delayed.Stack.Count; i++)
        {
            _shallowInProgress[delayed] = i;
            var value = Shallow(delayed.Stack[i]);
            switch (value)
            {
                case HoconUndefined:
                    continue;
                case HoconObject obj:
                    merged = merged is null ? obj : HoconMerge.MergeObjects(merged, obj);
                    continue;
                default:
                    return merged ?? value;
            }
        }

        return merged ?? (HoconValue)HoconUndefined.Instance;
    }

    private HoconValue ShallowConcatenation(HoconConcatenation concatenation)
    {
        var values = new List<HoconValue>(concatenation.Parts.Count);
        foreach (var part in concatenation.Parts)
        {
            values.Add(part is HoconWhitespace ? part : Shallow(part));
        }

        return Concatenation.Combine(concatenation.Parts, values, concatenation.Origin);
    }

    private HoconValue ShallowSubstitution(HoconSubstitution substitution)
    {
        _substitutions.Add(substitution);
        try
        {
            HoconValue? cycle = null;
            var candidates = substitution.Prefix.Count == 0
                ? [substitution.Path]
                : new[] { (IReadOnlyList<string>)[.. substitution.Prefix, .. substitution.Path], substitution.Path };
            foreach (var candidate in candidates)
            {
                var (found, cycleAt) = Lookup(candidate);
                cycle ??= cycleAt;
                if (found is not null)
                {
                    var value = Shallow(found);
                    if (value is HoconScalar scalar)
                    {
                        // Reported where the substitution was written: that is the line the user reads.
                        return scalar.WithOrigin(substitution.Origin);
                    }

                    if (value is not HoconUndefined)
                    {
                        return value;
                    }
                }
            }

            var name = string.Join('.', substitution.Path);
            if (_environment.TryGetValue(name, out var fromEnvironment) && fromEnvironment.Length > 0)
            {
                return HoconValue.String(fromEnvironment, substitution.Origin.WithDetail($"environment variable {name}"));
            }

            if (substitution.Optional)
            {
                return HoconUndefined.Instance;
            }

            if (cycle is not null)
            {
                throw new HoconException(substitution.Origin, DescribeCycle(substitution, cycle));
            }

            throw new HoconException(
                substitution.Origin,
                $"could not resolve {substitution.Expression}: {HoconPath.Render(substitution.Path)} is not set and there is no environment variable {name} (use ${{?...}} if it is optional)");
        }
        finally
        {
            _substitutions.RemoveAt(_substitutions.Count - 1);
        }
    }

    private string DescribeCycle(HoconSubstitution substitution, HoconValue cycleAt)
    {
        var chain = _substitutions.Select(static s => s.Expression).ToList();
        var start = _substitutions.FindIndex(s => ReferenceEquals(s, cycleAt) || Contains(cycleAt, s));
        var loop = start >= 0 ? chain[start..] : chain;
        return loop.Count <= 1
            ? $"{substitution.Expression} refers to itself and there is no earlier value of {HoconPath.Render(substitution.Path)} to use"
            : $"substitution cycle: {string.Join(" -> ", loop)} -> {loop[0]}";
    }

    private static bool Contains(HoconValue container, HoconSubstitution substitution) => container switch
    {
        HoconConcatenation concatenation => concatenation.Parts.Any(p => ReferenceEquals(p, substitution)),
        HoconDelayedMerge delayed => delayed.Stack.Any(p => ReferenceEquals(p, substitution) || Contains(p, substitution)),
        _ => false,
    };

    /// <summary>
    /// Walks from the root along the path, forcing only the nodes on the way (never a whole object).
    /// Returns the node found, or the in-progress node that made the lookup a cycle.
    /// </summary>
    private (HoconValue? Found, HoconValue? Cycle) Lookup(IReadOnlyList<string> path)
    {
        HoconValue node = _root;
        foreach (var segment in path)
        {
            var redirected = LookBack(node);
            if (redirected is null)
            {
                return (null, node);
            }

            if (Shallow(redirected) is not HoconObject obj || !obj.TryGetField(segment, out var child))
            {
                return (null, null);
            }

            node = child;
        }

        var target = LookBack(node);
        return target is null ? (null, node) : (target, null);
    }

    /// <summary>
    /// A node being resolved cannot be used by a lookup that started inside it; use what lies below
    /// the definition being resolved instead, or null when nothing does.
    /// </summary>
    private HoconValue? LookBack(HoconValue node)
    {
        while (_shallowInProgress.TryGetValue(node, out var index))
        {
            if (node is HoconDelayedMerge delayed && index + 1 < delayed.Stack.Count)
            {
                node = Suffix(delayed, index + 1);
            }
            else
            {
                return null;
            }
        }

        return node;
    }

    private HoconValue Suffix(HoconDelayedMerge delayed, int start)
    {
        if (start == delayed.Stack.Count - 1)
        {
            return delayed.Stack[start];
        }

        if (!_suffixes.TryGetValue((delayed, start), out var suffix))
        {
            suffix = new HoconDelayedMerge([.. delayed.Stack.Skip(start)]);
            _suffixes[(delayed, start)] = suffix;
        }

        return suffix;
    }
}
