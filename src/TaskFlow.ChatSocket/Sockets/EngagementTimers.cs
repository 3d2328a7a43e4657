namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// The two-phase idle detection and the typing nudge of one session. Timers live with the socket on purpose:
/// they only matter while someone is connected, and a reconnect starts them again.
/// </summary>
public sealed class EngagementTimers(
    EngagementOptions options,
    TimeProvider clock,
    Func<CancellationToken, Task> onIdleNudge,
    Func<Task> onIdleEnd,
    Func<Task> onTypingNudge,
    ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _idle;
    private CancellationTokenSource? _typing;

    /// <summary>The AI has answered and waits for the user: phase 1 starts.</summary>
    public void AwaitingUser() => Restart(ref _idle, async token =>
    {
        await Task.Delay(options.IdleNudgeAfter, clock, token);
        await onIdleNudge(token);
        await Task.Delay(options.IdleEndAfter, clock, token);
        await onIdleEnd();
    });

    public void UserTyping()
    {
        Cancel(ref _idle);
        lock (_gate)
        {
            if (_typing is not null)
            {
                return; // One nudge per typing spell.
            }
        }
        Restart(ref _typing, async token =>
        {
            await Task.Delay(options.TypingNudgeAfter, clock, token);
            await onTypingNudge();
        });
    }

    public void UserStoppedTyping()
    {
        Cancel(ref _typing);
        AwaitingUser();
    }

    /// <summary>A message was sent or an answer is being generated: nobody is idle.</summary>
    public void Busy()
    {
        Cancel(ref _idle);
        Cancel(ref _typing);
    }

    public void Dispose() => Busy();

    private void Restart(ref CancellationTokenSource? slot, Func<CancellationToken, Task> work)
    {
        var source = new CancellationTokenSource();
        CancellationTokenSource? previous;
        lock (_gate)
        {
            previous = slot;
            slot = source;
        }
        previous?.Cancel();
        previous?.Dispose();
        _ = RunAsync(work, source.Token);
    }

    private void Cancel(ref CancellationTokenSource? slot)
    {
        CancellationTokenSource? previous;
        lock (_gate)
        {
            previous = slot;
            slot = null;
        }
        previous?.Cancel();
        previous?.Dispose();
    }

    private async Task RunAsync(Func<CancellationToken, Task> work, CancellationToken token)
    {
        try
        {
            await work(token);
        }
        catch (OperationCanceledException)
        {
            // Superseded by user activity.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "An engagement timer failed");
        }
    }
}
