using TaskFlow.Contracts.Chat;
using TaskFlow.InferenceWorker.Generation;

namespace TaskFlow.UnitTests.Queue;

/// <summary>
/// A job's start goes on the bus only for an answer that outlasts the announcement delay, or parks; a shorter one hands
/// it to its result. Exactly one of the two carries it, however the two race.
/// </summary>
public sealed class StartAnnouncementTests
{
    private static readonly GenerationStarted Start = new(Guid.CreateVersion7(), Guid.CreateVersion7(), "user-1", new DateTimeOffset(2026, 12, 2, 16, 0, 0, TimeSpan.Zero));

    private readonly List<GenerationStarted> _published = [];

    private StartAnnouncement Announcement() => StartAnnouncement.For(Start, started =>
    {
        _published.Add(started);
        return Task.CompletedTask;
    });

    [Fact]
    public async Task An_answer_that_ends_within_the_delay_is_never_announced_and_its_result_carries_the_start()
    {
        var start = Announcement();

        await start.AnnounceUnlessEndedAsync(Task.CompletedTask, TimeSpan.FromMinutes(1));

        Assert.Empty(_published);
        Assert.Equal(Start.StartedAt, start.TakeIntoResult());
        start.AnnounceNow();
        Assert.Empty(_published);
    }

    [Fact]
    public async Task An_answer_still_running_after_the_delay_is_announced_once_and_its_result_carries_no_start()
    {
        var start = Announcement();
        var running = new TaskCompletionSource();

        await start.AnnounceUnlessEndedAsync(running.Task, TimeSpan.FromMilliseconds(10));
        start.AnnounceNow();
        running.SetResult();

        Assert.Equal([Start], _published);
        Assert.Null(start.TakeIntoResult());
        await start.Published;
    }

    [Fact]
    public async Task A_job_that_parks_is_announced_at_once_and_not_again_when_the_delay_passes()
    {
        var start = Announcement();

        start.AnnounceNow();
        await start.AnnounceUnlessEndedAsync(new TaskCompletionSource().Task, TimeSpan.FromMilliseconds(10));

        Assert.Equal([Start], _published);
        Assert.Null(start.TakeIntoResult());
    }

    [Fact]
    public async Task No_delay_announces_every_start_and_a_job_back_from_a_wait_announces_none()
    {
        var start = Announcement();
        await start.AnnounceUnlessEndedAsync(Task.CompletedTask, TimeSpan.Zero);
        Assert.Equal([Start], _published);
        Assert.Null(start.TakeIntoResult());

        var returned = StartAnnouncement.Made();
        await returned.AnnounceUnlessEndedAsync(new TaskCompletionSource().Task, TimeSpan.Zero);
        returned.AnnounceNow();
        Assert.Single(_published);
        Assert.Null(returned.TakeIntoResult());
    }
}
