using System.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Redis commands made once per stream entry (the worker's token appends and their notifications, a relay's reads)
/// make no spans. A 500-token answer made about 1,500 of them, each one identical but for its timing and none saying
/// more than the model call's own span (its duration and token count), and exporting them, then the dashboard or
/// collector taking them in, cost CPU per token (docs/benchmarks.md). The turn's other Redis commands (claims, the
/// queue board, the stream's start and end entries) keep theirs.
/// </summary>
public static class TokenPathTracing
{
    /// <summary>
    /// Detaches the calling async method from the current trace. Call it first in a method that makes only per-entry
    /// commands: the StackExchange.Redis instrumentation files a command under the activity current when it is sent, a
    /// command with none makes no span (<see cref="RedisClientExtensions"/>), and the change ends when the method
    /// returns (an async method's changes to <see cref="Activity.Current"/> never reach its caller).
    /// </summary>
    public static void LeaveTrace() => Activity.Current = null;
}
