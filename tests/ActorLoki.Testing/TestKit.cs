using System.Diagnostics;
using ActorLoki.Actors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorLoki.Testing;

/// <summary>
/// Base of actor test classes (xunit): one <see cref="ActorSystem"/> per test, on the real clock or on a
/// <see cref="ManualTimeProvider"/>, terminated when the test ends; a default probe, <see cref="TestActor"/>.
/// </summary>
public abstract class TestKit : IAsyncLifetime
{
    protected TestKit(ITestOutputHelper? output = null, bool manualTime = false, Func<ActorSystemSettings, ActorSystemSettings>? configure = null)
    {
        ManualTime = manualTime ? new ManualTimeProvider() : null;
        var settings = new ActorSystemSettings
        {
            TimeProvider = (TimeProvider?)ManualTime ?? TimeProvider.System,
            LoggerFactory = output is null ? NullLoggerFactory.Instance : new XunitLoggerFactory(output, LogLevel.Debug),
        };
        Sys = ActorSystem.Create(GetType().Name, configure is null ? settings : configure(settings));
        Probe = CreateTestProbe("testActor");
    }

    public ActorSystem Sys { get; }

    /// <summary>The manual clock when the kit was created with <c>manualTime: true</c>.</summary>
    public ManualTimeProvider? ManualTime { get; }

    /// <summary>The clock to advance in manual-time tests.</summary>
    public ManualTimeProvider Time => ManualTime ?? throw new InvalidOperationException("This TestKit runs on the real clock.");

    /// <summary>The default probe; <see cref="TestActor"/> is its ref.</summary>
    public TestProbe Probe { get; }

    public IActorRef TestActor => Probe.Ref;

    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name);

    public Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null) => Probe.ExpectMsgAsync(predicate, timeout);

    public Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull => Probe.ExpectMsgAsync(expected, timeout);

    public Task ExpectNoMsgAsync(TimeSpan? duration = null) => Probe.ExpectNoMsgAsync(duration);

    public Task<Terminated> ExpectTerminatedAsync(IActorRef actor, TimeSpan? timeout = null) => Probe.ExpectTerminatedAsync(actor, timeout);

    public Task<T> FishForMessageAsync<T>(Func<T, bool> isTheOne, TimeSpan? timeout = null) => Probe.FishForMessageAsync(isTheOne, timeout);

    public void Watch(IActorRef actor) => Probe.Watch(actor);

    /// <summary>Runs <paramref name="assertion"/> until it passes or <paramref name="duration"/> (dilated) is over, waiting <paramref name="interval"/> between tries.</summary>
    public static async Task AwaitAssertAsync(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        await AwaitAssertAsync(() =>
        {
            assertion();
            return Task.CompletedTask;
        }, duration, interval);
    }

    public static async Task AwaitAssertAsync(Func<Task> assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var limit = duration is { } given ? TestKitSettings.Dilated(given) : TestKitSettings.DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var pause = interval ?? TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (clock.Elapsed < limit)
            {
                await Task.Delay(pause);
            }
        }
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Terminates the system; fails the test if it does not stop within the default timeout.</summary>
    public virtual async Task DisposeAsync()
    {
        var terminated = Sys.Terminate();
        if (await Task.WhenAny(terminated, Task.Delay(TestKitSettings.DefaultTimeout)) != terminated)
        {
            throw new XunitException($"The actor system did not terminate within {TestKitSettings.DefaultTimeout}.");
        }
    }
}
