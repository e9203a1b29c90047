using System.Text;
using ActorLoki.Hocon;

namespace ActorLoki.Hocon.Tests;

/// <summary>Parse-and-resolve helpers, and a compact canonical rendering to compare whole trees.</summary>
internal static class TestHocon
{
    public static Config Parse(string text, IReadOnlyDictionary<string, string>? environment = null, HoconParseOptions? options = null) =>
        Config.ParseString(text, "test.conf", options).Resolve(environment ?? HoconEnvironment.Empty);

    /// <summary>The tree as compact JSON-like text with keys in definition order: {a:1,b:[x,"y z"]}.</summary>
    public static string Canonical(string text, IReadOnlyDictionary<string, string>? environment = null) =>
        Canonical(Parse(text, environment).Root);

    public static string Canonical(HoconValue value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    public static HoconException ParseError(string text, IReadOnlyDictionary<string, string>? environment = null)
    {
        var error = Assert.Throws<HoconException>(() => Parse(text, environment));
        error.Should().BeAssignableTo<FormatException>();
        return error;
    }

    private static void Write(StringBuilder text, HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, field) in obj.Fields)
                {
                    text.Append(first ? "" : ",").Append(HoconPath.RenderKey(key)).Append(':');
                    Write(text, field);
                    first = false;
                }

                text.Append('}');
                break;
            case HoconArray array:
                text.Append('[');
                for (var i = 0; i < array.Items.Count; i++)
                {
                    text.Append(i == 0 ? "" : ",");
                    Write(text, array.Items[i]);
                }

                text.Append(']');
                break;
            case HoconScalar { Type: HoconValueType.String } s:
                text.Append(HoconRenderer.Quote(s.Text));
                break;
            case HoconScalar s:
                text.Append(s.Text);
                break;
            default:
                throw new InvalidOperationException("unresolved value in a resolved tree: " + value.Describe());
        }
    }
}
