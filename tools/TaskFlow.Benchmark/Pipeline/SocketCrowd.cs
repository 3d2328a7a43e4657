using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// Many sockets on one gateway and one ChatSocket: <c>--idle-sockets</c> opened and left idle, the memory they cost each
/// process, then <c>--streaming</c> chats answered at once through the WebSocket while they stay open, every token
/// checked (lost, repeated or reordered ones are errors).
/// </summary>
public static class SocketCrowd
{
    /// <summary>
    /// Reading speed, long enough that every streaming chat is accepted (at this machine's turns/s) before the first
    /// answers end: the point is how many stream at once, not how fast.
    /// </summary>
    public static readonly AnswerProfile StreamingAnswer = new(600, 10, TimeSpan.Zero);

    /// <summary>What was opened and measured.</summary>
    /// <param name="Open">Idle sockets held open (fewer than asked when the open-file limit does not allow them).</param>
    /// <param name="Total">Every socket open at once: the idle ones and each user's own.</param>
    /// <param name="PerSocket">Resident KB per open socket, by service; null when the services are not on this machine.</param>
    /// <param name="Streaming">The streaming chats' phase; null when none were asked for.</param>
    /// <param name="MostAtOnce">The most answers that were streaming at the same moment.</param>
    /// <param name="Dropped">Idle sockets that ended before the run did, by how they ended.</param>
    public sealed record Result(int Open, int Total, string? Capped, IReadOnlyDictionary<string, double>? PerSocket, Phase? Streaming, int MostAtOnce,
        IReadOnlyDictionary<string, int> Dropped);

    public static async Task<Result?> RunAsync(List<(BenchUser User, string Key)> users, int idle, int streaming, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        var before = ServiceUsage.Read();
        if (!before.Has("Gateway") || !before.Has("ChatSocket"))
        {
            Console.WriteLine("  idle sockets: not measured (the gateway and ChatSocket are not on this machine)");
            return null;
        }
        // Every user already holds a socket of its own, which the streaming chats use.
        var (open, capped) = Affordable(idle + users.Count);
        open = Math.Max(0, open - users.Count);
        if (capped is not null)
        {
            Console.WriteLine($"  idle sockets: opening {open:N0} of {idle:N0}: {capped}");
        }
        else
        {
            Console.WriteLine($"  idle sockets: opening {open:N0}");
        }
        var sockets = new List<ClientWebSocket>();
        var reads = new List<Task<string?>>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var progress = Stopwatch.StartNew();
            foreach (var batch in Enumerable.Range(0, open).Chunk(50))
            {
                var opened = await Task.WhenAll(batch.Select(i => users[i % users.Count].User.OpenIdleSocketAsync(cancellationToken)));
                sockets.AddRange(opened);
                reads.AddRange(opened.Select(socket => ReadUntilEndAsync(socket, stop.Token)));
                if (progress.Elapsed > TimeSpan.FromSeconds(5) || sockets.Count == open)
                {
                    Console.WriteLine($"    {sockets.Count:N0}/{open:N0} open");
                    progress.Restart();
                }
            }
            // Let lazily allocated buffers and the first lease renewals happen before reading the memory.
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            var after = ServiceUsage.Read();
            var perSocket = new Dictionary<string, double>();
            foreach (var service in new[] { "Gateway", "ChatSocket" })
            {
                perSocket[service] = open == 0 ? double.NaN : after.ResidentGrowthSince(before, service) / 1024.0 / open;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {service}: {perSocket[service]:0.0} KB resident per open socket"));
            }
            Phase? phase = null;
            var mostAtOnce = 0;
            if (streaming > 0)
            {
                (phase, mostAtOnce) = await StreamAsync(users, streaming, open, cancellationToken);
            }
            var dropped = Dropped(reads);
            Console.WriteLine(dropped.Count == 0
                ? $"    all {open:N0} idle sockets still open at the end"
                : $"    idle sockets that ended during the run: {string.Join(", ", dropped.Select(d => $"{d.Value:N0} ({d.Key})"))}");
            return new Result(open, open + users.Count, capped, perSocket, phase, mostAtOnce, dropped);
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// Reads an idle socket until it ends, dropping what the server sends it (a socket nobody reads would not notice
    /// being closed); null when the run ended first.
    /// </summary>
    private static async Task<string?> ReadUntilEndAsync(ClientWebSocket socket, CancellationToken stop)
    {
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), stop);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return $"closed by the server: {socket.CloseStatus} {socket.CloseStatusDescription}".TrimEnd();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            return e is WebSocketException socketError ? socketError.WebSocketErrorCode.ToString() : e.GetType().Name;
        }
    }

    private static Dictionary<string, int> Dropped(List<Task<string?>> reads) =>
        reads.Where(read => read.IsCompleted && read.Result is not null)
            .GroupBy(read => read.Result!).ToDictionary(group => group.Key, group => group.Count());

    /// <summary>One answer for each of the first <paramref name="chats"/> users at once, on their own sockets.</summary>
    private static async Task<(Phase Phase, int MostAtOnce)> StreamAsync(List<(BenchUser User, string Key)> users, int chats, int idle, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"  {chats:N0} chats streaming at once ({StreamingAnswer.Describe()}) beside the {idle:N0} idle sockets:");
        Console.WriteLine(Phase.Header);
        var phase = new Phase("through TaskFlow, WebSocket", true);
        var clock = Stopwatch.StartNew();
        var streams = new ConcurrentBag<(TimeSpan From, TimeSpan To)>();
        await phase.RunAsync(chats, 1, async (chat, _, token) =>
        {
            var sent = clock.Elapsed;
            var timing = await AnswerClients.SocketAsync(users[chat].User, $"chat {chat + 1} streaming beside idle sockets {StreamingAnswer.Marker}", StreamingAnswer, token);
            if (timing.Error is null)
            {
                streams.Add((sent + timing.FirstToken, sent + timing.Whole));
            }
            return timing;
        }, cancellationToken);
        Console.WriteLine(phase.Row());
        Console.WriteLine($"    CPU per relayed token: {phase.CpuPerToken()}");
        var mostAtOnce = MostAtOnce(streams);
        Console.WriteLine($"    at most {mostAtOnce:N0} answers streaming at the same moment");
        return (phase, mostAtOnce);
    }

    /// <summary>The largest number of the intervals that overlap at one moment.</summary>
    public static int MostAtOnce(IEnumerable<(TimeSpan From, TimeSpan To)> intervals)
    {
        var edges = intervals.SelectMany(i => new[] { (At: i.From, Step: 1), (At: i.To, Step: -1) })
            // An answer that ends as another starts does not overlap it.
            .OrderBy(e => e.At).ThenBy(e => e.Step);
        int open = 0, most = 0;
        foreach (var (_, step) in edges)
        {
            open += step;
            most = Math.Max(most, open);
        }
        return most;
    }

    /// <summary>
    /// Open files the gateway holds per socket: the client's connection. Its own to the one ChatSocket of the local run
    /// carry a hundred sockets each (HTTP/2), and this process holds one per socket too.
    /// </summary>
    private const int DescriptorsPerSocket = 1;

    /// <summary>How many sockets this machine's per-process open-file limit lets the gateway hold.</summary>
    private static (int Count, string? Why) Affordable(int wanted)
    {
        var limit = OpenFileLimit();
        if (limit is null)
        {
            return (wanted, null);
        }
        // Room for everything else a process has open: listeners, pools, files.
        var most = (int)Math.Max(0, (limit.Value - 1000) / DescriptorsPerSocket);
        return wanted <= most
            ? (wanted, null)
            : (most, $"a process may open {limit:N0} files here (`ulimit -Hn`), and the gateway holds {DescriptorsPerSocket} per socket");
    }

    private static long? OpenFileLimit()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path))
        {
            return null;
        }
        // "Max open files            20000                20000                files"
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 2 } && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hard) ? hard : null;
    }
}
