using System.Text;

namespace ActorLoki.Actors;

/// <summary>
/// The place of an actor in the tree, e.g. <c>/user/guardian/ns-dev1/api-7f9.app</c>. Paths compare by
/// their elements; build them with <c>parent / "name"</c>.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    /// <summary>The root, <c>/</c>.</summary>
    public static readonly ActorPath Root = new(null, string.Empty);

    private string? _text;

    private ActorPath(ActorPath? parent, string name)
    {
        Parent = parent;
        Name = name;
        Depth = parent is null ? 0 : parent.Depth + 1;
    }

    /// <summary>The parent path, or null for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>The last element (empty for the root).</summary>
    public string Name { get; }

    /// <summary>Number of elements below the root.</summary>
    public int Depth { get; }

    /// <summary>The elements from the root down, e.g. <c>["user", "guardian"]</c>.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var elements = new string[Depth];
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                elements[p.Depth - 1] = p.Name;
            }

            return elements;
        }
    }

    public static ActorPath operator /(ActorPath parent, string name)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return parent.Child(name);
    }

    public ActorPath Child(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ActorPath(this, name);
    }

    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other.Depth != Depth)
        {
            return false;
        }

        for (ActorPath? a = this, b = other; a is not null && b is not null; a = a.Parent, b = b.Parent)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ActorPath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    public override string ToString()
    {
        return _text ??= Build();

        string Build()
        {
            if (Parent is null)
            {
                return "/";
            }

            var builder = new StringBuilder();
            foreach (var element in Elements)
            {
                builder.Append('/').Append(element);
            }

            return builder.ToString();
        }
    }
}
