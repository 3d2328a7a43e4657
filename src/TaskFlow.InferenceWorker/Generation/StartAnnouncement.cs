using TaskFlow.Contracts.Chat;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A job's start as ChatSocket hears of it (the job's state, the queue board): announced once the answer has run for
/// <c>Inference:StartAnnouncementDelay</c>, or at once when the job parks. An answer that ends sooner carries its start
/// in its result instead (<see cref="ReplyFinished.StartedAt"/>): one message fewer on the bus, and one statement and
/// one row version fewer in PostgreSQL, for every short answer. The jobs queued behind it see their positions move at
/// most that much later; its own client hears of the start from the stream, at once, either way.
/// </summary>
public sealed class StartAnnouncement
{
    private const int Pending = 0;
    private const int Announced = 1;
    private const int CarriedByResult = 2;

    private readonly Func<GenerationStarted, Task>? _publish;
    private readonly GenerationStarted? _start;
    private int _state;
    private Task _publishing = Task.CompletedTask;

    private StartAnnouncement(Func<GenerationStarted, Task>? publish, GenerationStarted? start, int state)
    {
        _publish = publish;
        _start = start;
        _state = state;
    }

    /// <summary>A job's start, to be announced by <paramref name="publish"/> (the job's consume context's).</summary>
    public static StartAnnouncement For(GenerationStarted start, Func<GenerationStarted, Task> publish) => new(publish, start, Pending);

    /// <summary>A job back from a wait: the message it returned from announced its start.</summary>
    public static StartAnnouncement Made() => new(null, null, Announced);

    /// <summary>The publish of the start, if it was announced: awaited before the job ends, so a start RabbitMQ refused fails the job.</summary>
    public Task Published => Volatile.Read(ref _publishing);

    /// <summary>Announces the start unless it was announced or handed to the result already.</summary>
    public void AnnounceNow()
    {
        if (Interlocked.CompareExchange(ref _state, Announced, Pending) == Pending && _publish is not null && _start is not null)
        {
            // Not awaited here: the model call need not wait for RabbitMQ's confirmation (see Published).
            Volatile.Write(ref _publishing, _publish(_start));
        }
    }

    /// <summary>The start for the result to carry, unless it was announced on its own.</summary>
    public DateTimeOffset? TakeIntoResult() =>
        Interlocked.CompareExchange(ref _state, CarriedByResult, Pending) is Pending or CarriedByResult ? _start?.StartedAt : null;

    /// <summary>Announces the start once <paramref name="delay"/> has passed, unless <paramref name="running"/> ended first.</summary>
    public async Task AnnounceUnlessEndedAsync(Task running, TimeSpan delay)
    {
        if (Volatile.Read(ref _state) != Pending)
        {
            return;
        }
        if (delay <= TimeSpan.Zero)
        {
            AnnounceNow();
            return;
        }
        using var waiting = new CancellationTokenSource();
        var first = await Task.WhenAny(running, Task.Delay(delay, waiting.Token));
        await waiting.CancelAsync();
        if (first != running)
        {
            AnnounceNow();
        }
    }
}
