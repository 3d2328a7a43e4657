namespace TaskFlow.ChatSocket.Sockets;

/// <summary>A fixed-window counter per connection: enough to stop a runaway client without punishing fast typists.</summary>
public sealed class FloodGuard(int limit, TimeSpan window, TimeProvider clock)
{
    private DateTimeOffset _windowStart = clock.GetUtcNow();
    private int _count;

    public bool Allow()
    {
        var now = clock.GetUtcNow();
        if (now - _windowStart >= window)
        {
            _windowStart = now;
            _count = 0;
        }
        return ++_count <= limit;
    }
}
