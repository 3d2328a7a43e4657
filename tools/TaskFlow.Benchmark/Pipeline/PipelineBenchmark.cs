using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// Does TaskFlow stay out of the model's way? The same answers from one paced model server, asked directly (Ollama's and
/// the OpenAI API's streams) and through TaskFlow (the chat WebSocket, and <c>/v1</c> streaming), in one run, at each load
/// level; then the memory an idle socket costs, and many answers streaming at once beside the idle sockets. What
/// TaskFlow adds is the difference (first token) or the ratio (whole answer) against the direct figures of the same run.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>
    /// What the services use together at rest here (health checks, metrics exported every second), with a margin: below
    /// it, the previous phase's work is done.
    /// </summary>
    private const double QuietCores = 0.3;

    public static async Task<int> RunAsync(BenchmarkOptions options)
    {
        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
        var turns = options.TurnsGiven ? options.Turns : 2;
        var answer = options.Answer;
        Console.WriteLine($"pipeline benchmark: {answer.Describe()}; {string.Join(", ", options.Levels)} chats at once, {turns} answers each; {Arrivals(answer, options.ArrivalsTogether)}");

        await using var model = await PacedModelServer.StartAsync(options.ModelPort);
        Console.WriteLine($"  model server at {model.BaseAddress} ({model.OllamaConnectionString})");
        LocalDeployment? deployment = null;
        try
        {
            if (options.GatewayGiven)
            {
                Console.WriteLine($"  TaskFlow at {options.Gateway}, as deployed (its settings are its own; its chat model must be {model.OllamaConnectionString})");
            }
            else
            {
                deployment = await LocalDeployment.StartAsync(model, options.JobSlots ?? Math.Max(options.Levels.Max(), options.Streaming), stopping.Token);
                Console.WriteLine("  settings changed from the production defaults: " + string.Join(", ", deployment.Settings.Select(s => $"{s.Key}={s.Value}")));
            }
            var gateway = deployment?.Gateway ?? options.Gateway;
            var users = await SignUpAsync(gateway, Math.Max(options.Levels.Max(), options.Streaming), stopping.Token);
            try
            {
                await WarmUpAsync(model, gateway, users, options.Levels.Max(), answer, options.ArrivalsTogether, stopping.Token);
                var levels = new List<(int Chats, Phase[] Phases)>();
                foreach (var chats in options.Levels)
                {
                    levels.Add((chats, await RunLevelAsync(model, gateway, users, chats, turns, answer, options.ArrivalsTogether, stopping.Token)));
                }
                var crowd = options.IdleSockets > 0 || options.Streaming > 0
                    ? await SocketCrowd.RunAsync(users, options.IdleSockets, options.Streaming, stopping.Token)
                    : null;
                Console.WriteLine();
                Targets.Print(answer, Arrivals(answer, options.ArrivalsTogether), levels, crowd);
                return levels.Any(level => level.Phases.Any(phase => phase.Errors.Count > 0)) || crowd?.Streaming?.Errors.Count > 0 ? 1 : 0;
            }
            finally
            {
                foreach (var user in users)
                {
                    await user.User.DisposeAsync();
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or WebSocketException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"The benchmark could not run: {ex.Message}");
            return 1;
        }
        finally
        {
            if (deployment is not null)
            {
                await deployment.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Every path at the largest level's concurrency (at least 10 chats) with a short answer at the run's pace
    /// (<see cref="WarmUpAnswer"/>), unrecorded, until a round is no longer clearly faster than the one before: a fresh
    /// process compiles its code on first use and again, optimized, after enough calls, in the background. A single
    /// round left the services compiling well into the first level (a quarter of a core in ChatSocket and the worker, by
    /// their JIT counters and a CPU profile), which was then counted as its cost. Rounds of 10 chats left the paths only heavy load takes (batched writes, every worker
    /// replica busy, pools grown to size) cold: the first of 400 chats cost 28 ms of CPU per answer where the 800 after
    /// it cost 17. Then, when the run's answers are longer than the warm-up's, one round of them.
    /// </summary>
    private static async Task WarmUpAsync(
        PacedModelServer model, Uri gateway, List<(BenchUser User, string Key)> users, int largestLevel, AnswerProfile answer, bool together,
        CancellationToken cancellationToken)
    {
        const int MostRounds = 6;
        const int FullLengthTurns = 2;
        var chats = Math.Clamp(largestLevel, Math.Min(10, users.Count), users.Count);
        var turns = Math.Max(2, 50 / chats);
        var warmUp = WarmUpAnswer(answer);
        Console.WriteLine();
        Console.WriteLine($"  warming up (every path, {chats} chats × {turns} answers of {warmUp.Describe()}, unrecorded, until a round is no longer 10 % faster than the one before)");
        var clock = Stopwatch.StartNew();
        var previous = TimeSpan.MaxValue;
        for (var round = 1; round <= MostRounds; round++)
        {
            var start = clock.Elapsed;
            await RunPhasesAsync(model, gateway, users, chats, turns, warmUp, Spread(warmUp, together), print: false, cancellationToken);
            var took = clock.Elapsed - start;
            Console.WriteLine($"    round {round}: {took.TotalSeconds:0.0} s");
            if (took > previous * 0.9)
            {
                break;
            }
            previous = took;
        }
        if (warmUp != answer)
        {
            // The short rounds leave cold what only the run's own answers take: a conversation's history several long
            // answers deep, answers and previews ten times the size. Measured with a profile, ChatSocket then spent half
            // of its CPU in each phase's first seconds optimizing code, a cost a service pays once, not per answer.
            var start = clock.Elapsed;
            await RunPhasesAsync(model, gateway, users, chats, FullLengthTurns, answer, Spread(answer, together), print: false, cancellationToken);
            Console.WriteLine($"    a round of full-length answers ({chats} chats × {FullLengthTurns} answers of {answer.Describe()}): {(clock.Elapsed - start).TotalSeconds:0.0} s");
        }
        // The warm-up's inference logs are still being written (and their code compiled) when its last answer is in.
        var (waited, _, cores, _) = await ServiceUsage.SettleAsync(QuietCores, TimeSpan.FromSeconds(60), cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  warm-up took {clock.Elapsed.TotalSeconds:0.0} s, {waited.TotalSeconds:0} s of it for the services to quiet down ({cores:0.00} cores)"));
    }

    /// <summary>
    /// The run's own answers, cut to at most 50 tokens: at the run's pace, so that the code only a paced answer takes
    /// (tokens gathered between entries, a relay woken many times per answer) is compiled before the first level, not
    /// during it, and short, so that a round takes seconds.
    /// </summary>
    public static AnswerProfile WarmUpAnswer(AnswerProfile answer) => answer with { Tokens = Math.Min(answer.Tokens, 50) };

    private static async Task<List<(BenchUser User, string Key)>> SignUpAsync(Uri gateway, int count, CancellationToken cancellationToken)
    {
        var users = new List<(BenchUser, string)>();
        var clock = Stopwatch.StartNew();
        foreach (var batch in Enumerable.Range(0, count).Chunk(10))
        {
            users.AddRange(await Task.WhenAll(batch.Select(async _ =>
            {
                var user = await BenchUser.SignUpAsync(gateway, null, cancellationToken, greeting: false);
                return (user, await user.CreateApiKeyAsync(cancellationToken));
            })));
            Console.WriteLine($"  signed up {users.Count}/{count} users (each with a socket and an API key)");
        }
        Console.WriteLine($"  sign-up took {clock.Elapsed.TotalSeconds:0.0} s");
        return users;
    }

    /// <summary>Over how long a level's first turns are sent: one answer's length, unless they all come together.</summary>
    private static TimeSpan Spread(AnswerProfile answer, bool together) => together ? TimeSpan.Zero : answer.Length;

    /// <summary>How the chats' turns arrive, as printed with the results.</summary>
    private static string Arrivals(AnswerProfile answer, bool together) => Spread(answer, together) is { TotalMilliseconds: > 0 } spread
        ? string.Create(CultureInfo.InvariantCulture, $"first turns spread over {spread.TotalSeconds:0.0#} s (one answer's length), as people arrive")
        : together && answer.Length > TimeSpan.Zero
            ? "first turns all at the same moment (--arrivals together)"
            : "first turns all at once";

    private static async Task<Phase[]> RunLevelAsync(
        PacedModelServer model, Uri gateway, List<(BenchUser User, string Key)> users, int chats, int turns, AnswerProfile answer, bool together,
        CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"  {chats} chats at once × {turns} answers:");
        return await RunPhasesAsync(model, gateway, users, chats, turns, answer, Spread(answer, together), print: true, cancellationToken);
    }

    private static async Task<Phase[]> RunPhasesAsync(
        PacedModelServer model, Uri gateway, List<(BenchUser User, string Key)> users, int chats, int turns, AnswerProfile answer, TimeSpan spread,
        bool print, CancellationToken cancellationToken)
    {
        // Enough connections for every chat at once: a pool that queued requests would measure the pool.
        using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = chats + 1 }) { BaseAddress = model.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var through = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = chats + 1 }) { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
        string Prompt(int chat, int turn) => $"chat {chat + 1}, answer {turn + 1}, {chats} at once {answer.Marker}";
        Phase[] phases =
        [
            new("direct, Ollama stream", false),
            new("through TaskFlow, WebSocket", true),
            new("direct, OpenAI stream", false),
            new("through TaskFlow, /v1 stream", true),
        ];
        Func<int, int, CancellationToken, Task<AnswerTiming>>[] asks =
        [
            (chat, turn, token) => AnswerClients.OllamaAsync(direct, Prompt(chat, turn), answer, token),
            (chat, turn, token) => AnswerClients.SocketAsync(users[chat].User, Prompt(chat, turn), answer, token),
            (chat, turn, token) => AnswerClients.OpenAiAsync(direct, "direct", Prompt(chat, turn), answer, token),
            (chat, turn, token) => AnswerClients.OpenAiAsync(through, users[chat].Key, Prompt(chat, turn), answer, token),
        ];
        if (print)
        {
            Console.WriteLine(Phase.Header);
        }
        for (var i = 0; i < phases.Length; i++)
        {
            if (print && phases[i].ThroughTaskFlow)
            {
                // Each phase starts with the services quiet (the wait after the warm-up or the phase before).
                phases[i].QuietSpeed = MachineSpeed.Measure(TimeSpan.FromMilliseconds(500));
            }
            await phases[i].RunAsync(chats, turns, asks[i], cancellationToken, progress: print, spread);
            if (!print)
            {
                continue;
            }
            Console.WriteLine(phases[i].Row());
            // The jobs' results and inference logs are written after the last token: each phase starts from quiet.
            var settling = await ServiceUsage.SettleAsync(QuietCores, TimeSpan.FromSeconds(30), cancellationToken);
            phases[i].CountCpu();
            if (phases[i].ThroughTaskFlow)
            {
                phases[i].Settled(settling, QuietCores);
                if (phases[i].CatchUpLine() is { } caughtUp)
                {
                    Console.WriteLine($"    {"",-30} {caughtUp}");
                }
            }
        }
        foreach (var phase in phases.Where(p => print && p.ThroughTaskFlow))
        {
            Console.WriteLine($"    CPU per relayed token, {phase.Name}: {phase.CpuPerToken()}");
            if (phase.CpuPerAnswer() is { } perAnswer)
            {
                Console.WriteLine($"    CPU per answer, {phase.Name}: {perAnswer}");
            }
        }
        foreach (var phase in phases.Where(p => print && p.StageSteps() is not null))
        {
            Console.WriteLine($"    stage by stage (p50 / p99), {phase.Name}: {phase.StageSteps()}");
        }
        return phases;
    }
}
