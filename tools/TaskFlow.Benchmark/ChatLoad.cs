using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace TaskFlow.Benchmark;

/// <summary>
/// Users chatting at once through the gateway's WebSocket, as the page does: each sends a message, waits for the whole
/// answer, sends the next. Measures what a person feels (time to acceptance, to the first token, to the end of the answer)
/// and what the deployment sustains (turns per minute, tokens per second as the client receives them).
/// </summary>
public static class ChatLoad
{
    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        Console.WriteLine($"chat benchmark against {options.Gateway}: {options.Users} users × {options.Turns} turns, priority {options.Priority}, model {options.Model ?? "(default)"}");
        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };

        var users = new List<BenchUser>();
        try
        {
            var signUp = Stopwatch.StartNew();
            foreach (var batch in Enumerable.Range(0, options.Users).Chunk(10))
            {
                users.AddRange(await Task.WhenAll(batch.Select(_ => BenchUser.SignUpAsync(options.Gateway, options.Model, stopping.Token))));
                Console.WriteLine($"  signed up {users.Count}/{options.Users} users");
            }
            Console.WriteLine($"  sign-up took {signUp.Elapsed.TotalSeconds:0.0} s (password hashing is deliberately slow)");
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"Could not sign up and connect at {options.Gateway}: {ex.Message}");
            Console.Error.WriteLine("Start TaskFlow first (./run.sh) or pass --gateway with the address of a running deployment.");
            return 1;
        }

        var results = new TurnResults();
        var total = Stopwatch.StartNew();
        var progress = ReportProgressAsync(results, options.Users * options.Turns, stopping.Token);
        try
        {
            await Task.WhenAll(users.Select((user, index) => ChatAsync(user, index, options, results, stopping.Token)));
        }
        finally
        {
            await stopping.CancelAsync();
            await progress;
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }
        }

        results.Print(total.Elapsed);
        return results.Errors.IsEmpty ? 0 : 1;
    }

    private static async Task ChatAsync(BenchUser user, int index, BenchmarkOptions options, TurnResults results, CancellationToken cancellationToken)
    {
        for (var turn = 1; turn <= options.Turns && !cancellationToken.IsCancellationRequested; turn++)
        {
            var text = $"Benchmark user {index + 1}, turn {turn}: explain in a few sentences why queues make systems robust.";
            var message = new { type = "user_message", text, priority = options.Priority };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.TurnTimeout);
            var clock = Stopwatch.StartNew();
            TimeSpan? accepted = null, firstToken = null;
            var tokens = 0;
            try
            {
                await user.SendAsync(message, timeout.Token);
                while (await user.ReceiveAsync(timeout.Token) is { } next)
                {
                    switch (next.Type)
                    {
                        case "message_accepted":
                            accepted ??= clock.Elapsed;
                            break;
                        case "ai_token":
                            firstToken ??= clock.Elapsed;
                            tokens++;
                            break;
                        case "ai_done":
                            results.Completed(accepted, firstToken, clock.Elapsed, tokens);
                            goto nextTurn;
                        case "ai_error":
                            results.Failed(next.Body.TryGetProperty("code", out var code) ? code.GetString() ?? "?" : "?");
                            goto nextTurn;
                    }
                }
                results.Failed("SOCKET_CLOSED");
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                results.Failed("TURN_TIMEOUT");
                return;
            }
        nextTurn:;
        }
    }

    private static async Task ReportProgressAsync(TurnResults results, int expected, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Console.WriteLine($"  {results.Done}/{expected} turns done, {results.Errors.Values.Sum()} failed");
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private sealed class TurnResults
    {
        private readonly Figures _accepted = new("send → message_accepted", "ms");
        private readonly Figures _firstToken = new("send → first token", "ms");
        private readonly Figures _turn = new("send → ai_done", "ms");
        private readonly Figures _tokensPerSecond = new("tokens/s after the first", "tok/s");
        private int _done;

        public ConcurrentDictionary<string, int> Errors { get; } = new();

        public int Done => Volatile.Read(ref _done);

        public void Completed(TimeSpan? accepted, TimeSpan? firstToken, TimeSpan turn, int tokens)
        {
            Interlocked.Increment(ref _done);
            if (accepted is { } a)
            {
                _accepted.Add(a.TotalMilliseconds);
            }
            if (firstToken is { } first)
            {
                _firstToken.Add(first.TotalMilliseconds);
                var streaming = turn - first;
                if (tokens > 1 && streaming > TimeSpan.Zero)
                {
                    _tokensPerSecond.Add((tokens - 1) / streaming.TotalSeconds);
                }
            }
            _turn.Add(turn.TotalMilliseconds);
        }

        public void Failed(string code)
        {
            Interlocked.Increment(ref _done);
            Errors.AddOrUpdate(code, 1, (_, n) => n + 1);
        }

        public void Print(TimeSpan elapsed)
        {
            Console.WriteLine();
            Console.WriteLine(Figures.Header);
            foreach (var figures in new[] { _accepted, _firstToken, _turn, _tokensPerSecond })
            {
                Console.WriteLine(figures.Row());
            }
            var completed = _turn.Count;
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"completed turns: {completed} in {elapsed.TotalSeconds:0.0} s = {completed / elapsed.TotalMinutes:0.0} turns/min"));
            Console.WriteLine(Errors.IsEmpty
                ? "failed turns: 0"
                : $"failed turns: {string.Join(", ", Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} × {e.Value}"))}");
        }
    }
}
