using ActorLoki.Loki;

namespace ActorLoki.Loki.Tests;

public sealed class ClassificationTests
{
    [Theory]
    [InlineData(200, PushResponseKind.Success)]
    [InlineData(204, PushResponseKind.Success)]
    [InlineData(400, PushResponseKind.Rejected)]
    [InlineData(413, PushResponseKind.TooLarge)]
    [InlineData(429, PushResponseKind.Retryable)]
    [InlineData(408, PushResponseKind.Retryable)]
    [InlineData(500, PushResponseKind.Retryable)]
    [InlineData(502, PushResponseKind.Retryable)]
    [InlineData(503, PushResponseKind.Retryable)]
    [InlineData(504, PushResponseKind.Retryable)]
    [InlineData(501, PushResponseKind.ConfigurationError)]
    [InlineData(401, PushResponseKind.ConfigurationError)]
    [InlineData(403, PushResponseKind.ConfigurationError)]
    [InlineData(404, PushResponseKind.ConfigurationError)]
    [InlineData(405, PushResponseKind.ConfigurationError)]
    [InlineData(415, PushResponseKind.ConfigurationError)]
    [InlineData(301, PushResponseKind.ConfigurationError)]
    [InlineData(307, PushResponseKind.ConfigurationError)]
    public void Every_status_maps_to_the_treatment_loki_s_semantics_call_for(int status, PushResponseKind kind)
    {
        PushResponseClassifier.Classify(status).Should().Be(kind);
    }

    [Fact]
    public void Retry_after_is_read_in_seconds()
    {
        var now = DateTimeOffset.UtcNow;

        PushResponseClassifier.ParseRetryAfter("120", now).Should().Be(TimeSpan.FromSeconds(120));
        PushResponseClassifier.ParseRetryAfter(" 0 ", now).Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Retry_after_is_read_as_an_http_date_relative_to_now_in_all_three_forms()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        PushResponseClassifier.ParseRetryAfter("Thu, 01 Jan 2026 12:00:30 GMT", now).Should().Be(TimeSpan.FromSeconds(30));
        PushResponseClassifier.ParseRetryAfter("Thursday, 01-Jan-26 12:01:00 GMT", now).Should().Be(TimeSpan.FromMinutes(1));
        PushResponseClassifier.ParseRetryAfter("Thu Jan  1 12:00:05 2026", now).Should().Be(TimeSpan.FromSeconds(5));
        PushResponseClassifier.ParseRetryAfter("Thu, 01 Jan 2026 11:00:00 GMT", now).Should().Be(TimeSpan.Zero, "a date in the past means now");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void An_unreadable_retry_after_is_ignored(string? value)
    {
        PushResponseClassifier.ParseRetryAfter(value, DateTimeOffset.UtcNow).Should().BeNull();
    }

    [Fact]
    public void Every_drop_reason_has_a_distinct_metric_tag()
    {
        DropReasons.All.Select(r => r.Tag()).Should().OnlyHaveUniqueItems().And.HaveCount(DropReasons.All.Count);
        DropReason.TooOld.Tag().Should().Be("greater_than_max_sample_age");
    }
}
