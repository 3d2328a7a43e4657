namespace TaskFlow.Tests.Support;

/// <summary>
/// One AppHost starting at a time. A start is the suite's heaviest moment (a dozen processes compiling their code at
/// once); two or three of them together on a 2-core machine took each past its time limit, where one after another
/// each takes under a minute and the first stack's tests begin sooner.
/// </summary>
public static class StartGate
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);

    public static async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await s_gate.WaitAsync(cancellationToken);
        return new Exit();
    }

    private sealed class Exit : IDisposable
    {
        private int _exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _exited, 1) == 0)
            {
                s_gate.Release();
            }
        }
    }
}
