namespace TaskFlow.Tests.Support;

/// <summary>
/// One AppHost starting at a time. A start is the suite's heaviest moment (a dozen processes compiling their code at
/// once); two or three of them together on a 2-core machine took each past its time limit, where one after another
/// each takes under a minute and the first stack's tests begin sooner. The stacks' fixtures all begin within seconds,
/// so the first is let in after a moment's wait for the others, and each turn goes to the lowest start order waiting:
/// the stack most tests use starts first.
/// </summary>
public static class StartGate
{
    private static readonly TimeSpan Gathering = TimeSpan.FromSeconds(3);
    private static readonly object s_lock = new();
    private static readonly List<(int Order, TaskCompletionSource<IDisposable> Turn)> s_waiting = [];
    private static bool s_held;
    private static bool s_opened;

    /// <param name="order">Lower starts first among those waiting.</param>
    public static async Task<IDisposable> EnterAsync(int order, CancellationToken cancellationToken)
    {
        var turn = new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool first;
        lock (s_lock)
        {
            s_waiting.Add((order, turn));
            first = !s_opened;
            s_opened = true;
        }
        if (first)
        {
            _ = Task.Delay(Gathering, CancellationToken.None).ContinueWith(_ => Admit(), TaskScheduler.Default);
        }
        else
        {
            Admit();
        }
        await using (cancellationToken.Register(() =>
        {
            lock (s_lock)
            {
                if (s_waiting.RemoveAll(w => w.Turn == turn) > 0)
                {
                    turn.TrySetCanceled(cancellationToken);
                }
            }
        }))
        {
            return await turn.Task;
        }
    }

    private static void Admit()
    {
        lock (s_lock)
        {
            if (s_held || s_waiting.Count == 0)
            {
                return;
            }
            var next = s_waiting.MinBy(w => w.Order);
            s_waiting.Remove(next);
            s_held = true;
            next.Turn.SetResult(new Exit());
        }
    }

    private sealed class Exit : IDisposable
    {
        private int _exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _exited, 1) == 0)
            {
                lock (s_lock)
                {
                    s_held = false;
                }
                Admit();
            }
        }
    }
}
