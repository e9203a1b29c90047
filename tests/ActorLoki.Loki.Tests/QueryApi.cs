using System.Globalization;
using System.Text.Json;

namespace ActorLoki.Loki.Tests;

/// <summary>Reads streams back through the receiver's <c>/loki/api/v1/query_range</c>, as the demo and a person with curl would.</summary>
internal static class QueryApi
{
    public sealed record Stream(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(long Timestamp, string Line)> Values);

    public static async Task<List<Stream>> QueryRangeAsync(Uri baseAddress, string query, string? tenant = null, int limit = 5000, string direction = "forward", long start = long.MinValue / 2)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var uri = $"loki/api/v1/query_range?query={Uri.EscapeDataString(query)}&limit={limit}&direction={direction}&start={start.ToString(CultureInfo.InvariantCulture)}&end={long.MaxValue.ToString(CultureInfo.InvariantCulture)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (tenant is not null)
        {
            request.Headers.Add("X-Scope-OrgID", tenant);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(body);
        using var document = JsonDocument.Parse(body);
        document.RootElement.GetProperty("status").GetString().Should().Be("success");
        var data = document.RootElement.GetProperty("data");
        data.GetProperty("resultType").GetString().Should().Be("streams");
        return data.GetProperty("result").EnumerateArray().Select(s => new Stream(
            s.GetProperty("stream").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            s.GetProperty("values").EnumerateArray().Select(v => (long.Parse(v[0].GetString()!, CultureInfo.InvariantCulture), v[1].GetString()!)).ToList())).ToList();
    }
}
