using System.Text;
using ActorLoki.Shipper.Positions;
using ActorLoki.Testing;

namespace ActorLoki.Shipper.Tests.Positions;

public sealed class PositionsStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorloki-positions-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly DateTimeOffset Now = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<SavedPosition> Sample() =>
    [
        new(new StreamKey("uid-1", "app", 0), "dev1", "web-0", new StreamPosition(1_772_359_200, 12, 1_772_359_201_000_000_123, 0xfeedfacecafebeefUL), Now),
        new(new StreamKey("uid-1", "sidecar", 2), "dev1", "web-0", StreamPosition.Start, Now, Now.AddMinutes(-3)),
        new(new StreamKey("uid-2", "worker", 1), "dev2", "job-x", StreamPosition.Since(1_772_000_000), Now),
    ];

    [Fact]
    public void A_document_round_trips_every_field()
    {
        var positions = Sample();

        var back = PositionsDocument.Deserialize(PositionsDocument.Serialize(positions), "test");

        back.Should().BeEquivalentTo(positions);
    }

    [Fact]
    public void The_document_is_readable_json_with_a_version()
    {
        var json = Encoding.UTF8.GetString(PositionsDocument.Serialize(Sample()));

        json.Should().StartWith("{\"version\":1,");
        json.Should().Contain("\"pod\":\"web-0\"").And.Contain("\"hash\":\"feedfacecafebeef\"");
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"version\":7,\"streams\":[]}", "version 7 is not supported")]
    [InlineData("{\"version\":1,\"streams\":[{\"pod\":\"p\",\"container\":\"c\"}]}", "incomplete (pod 'p', container 'c')")]
    public void A_malformed_document_is_a_format_exception_naming_the_source(string json, string expected)
    {
        var parse = () => PositionsDocument.Deserialize(Encoding.UTF8.GetBytes(json), "positions.json");

        parse.Should().Throw<FormatException>().WithMessage($"positions.json: *{expected}*");
    }

    [Fact]
    public async Task The_file_store_saves_atomically_and_loads_what_it_saved()
    {
        var store = new FilePositionsStore(Path.Combine(_directory, "nested", "positions.json"));

        (await store.LoadAsync(CancellationToken.None)).Should().BeEmpty("nothing was saved yet");
        await store.SaveAsync(Sample(), CancellationToken.None);
        await store.SaveAsync(Sample().Take(1).ToList(), CancellationToken.None);

        (await store.LoadAsync(CancellationToken.None)).Should().BeEquivalentTo(Sample().Take(1));
        Directory.GetFiles(Path.Combine(_directory, "nested")).Should().Equal(store.Path);
    }

    [Fact]
    public async Task A_corrupt_file_is_reported_and_can_be_moved_aside()
    {
        var path = Path.Combine(_directory, "positions.json");
        await File.WriteAllTextAsync(path, "{ torn");
        var store = new FilePositionsStore(path);

        var load = () => store.LoadAsync(CancellationToken.None);
        (await load.Should().ThrowAsync<FormatException>()).WithMessage($"{path}: *");

        var aside = store.QuarantineCorruptFile(new ManualTimeProvider(Now));
        File.Exists(aside).Should().BeTrue();
        (await store.LoadAsync(CancellationToken.None)).Should().BeEmpty();
    }
}
