using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// One way of asking (direct or through TaskFlow) at one load level: <c>chats</c> conversations at once, each asking
/// its turns one after the other. Keeps the timings, the tokens and the service CPU the phase cost.
/// </summary>
public sealed class Phase(string name, bool throughTaskFlow)
{
    private readonly ConcurrentDictionary<string, int> _errors = new();
    private readonly ConcurrentDictionary<string, Figures> _stageSteps = new();
    private int _tokens;
    private long _pieces;
    private int _answers;
    private ServiceUsage? _before;
    private Stopwatch? _cpuClock;
    private bool _stillBusy;

    public string Name { get; } = name;

    public bool ThroughTaskFlow { get; } = throughTaskFlow;

    public Figures FirstToken { get; } = new("first token", "ms");

    public Figures Whole { get; } = new("whole answer", "ms");

    public TimeSpan Elapsed { get; private set; }

    public int Tokens => _tokens;

    public int Answers => _answers;

    public IReadOnlyDictionary<string, int> Errors => _errors;

    /// <summary>
    /// CPU each service spent during the phase, and each other part of a local run (empty when the services are not
    /// on this machine).
    /// </summary>
    public Dictionary<string, TimeSpan> ServiceCpu { get; } = [];

    /// <summary>
    /// <see cref="MachineSpeed"/> just before the phase, with the services quiet: runs are compared beside it. Null when
    /// not measured (the warm-up).
    /// </summary>
    public double? QuietSpeed { get; set; }

    /// <summary>The CPU the whole machine spent during the phase, on anything.</summary>
    public TimeSpan MachineBusy { get; private set; }

    /// <summary>How long the CPU was counted for: the phase, and the settling after it when counted again.</summary>
    public TimeSpan CpuCounted { get; private set; }

    /// <summary>The machine's cores busy on average while counted; null when the services are not on this machine.</summary>
    public double? BusyCores => CpuCounted > TimeSpan.Zero && ServiceUsage.Names.Any(ServiceCpu.ContainsKey) ? MachineBusy / CpuCounted : null;

    /// <summary>
    /// How long after the phase's last answer the services were still busy with its turns (results, inference logs);
    /// null when they do not run on this machine. A pipeline that answers faster than it stores builds a backlog, and
    /// the turns/s it sustains is the one counted until the backlog is gone.
    /// </summary>
    public TimeSpan? CatchUp { get; private set; }

    /// <summary>Turns per second until the last answer reached its client.</summary>
    public double AnsweredRate => Whole.Count / Elapsed.TotalSeconds;

    /// <summary>Tokens relayed per second until the last answer.</summary>
    public double TokenRate => Tokens / Elapsed.TotalSeconds;

    /// <summary>Turns per second until everything the turns cause was done (<see cref="CatchUp"/>), else until the last answer.</summary>
    public double SustainedRate => Whole.Count / (Elapsed + (CatchUp ?? TimeSpan.Zero)).TotalSeconds;

    /// <param name="spread">
    /// The chats' first turns are sent evenly over this time (chat <c>i</c> of <c>n</c> after <c>i/n</c> of it); zero sends
    /// them all at once. The phase's time, and so its turns/s, includes it.
    /// </param>
    public async Task RunAsync(
        int chats, int turns, Func<int, int, CancellationToken, Task<AnswerTiming>> ask, CancellationToken cancellationToken, bool progress = true,
        TimeSpan spread = default)
    {
        _before = ServiceUsage.Read();
        var clock = Stopwatch.StartNew();
        _cpuClock = clock;
        var every = progress ? TimeSpan.FromSeconds(10) : Timeout.InfiniteTimeSpan;
        using var ticker = new Timer(_ => Console.WriteLine(
            $"    {Name}: {Volatile.Read(ref _answers)}/{chats * turns} answers after {clock.Elapsed.TotalSeconds:0} s"), null, every, every);
        await Task.WhenAll(Enumerable.Range(0, chats).Select(async chat =>
        {
            if (spread > TimeSpan.Zero && chat > 0)
            {
                await Task.Delay(spread * chat / chats, cancellationToken);
            }
            for (var turn = 0; turn < turns && !cancellationToken.IsCancellationRequested; turn++)
            {
                AnswerTiming timing;
                try
                {
                    timing = await ask(chat, turn, cancellationToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or System.Text.Json.JsonException)
                {
                    timing = new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, 0, ex.GetType().Name);
                }
                Record(timing);
            }
        }));
        Elapsed = clock.Elapsed;
        CountCpu();
    }

    /// <summary>
    /// Counts the CPU spent since the phase began, until now: called again once the services are quiet, it includes
    /// what the phase's answers caused after their last token (results and inference logs written).
    /// </summary>
    public void CountCpu()
    {
        if (_before is not { } before || _cpuClock is not { } clock)
        {
            return;
        }
        var after = ServiceUsage.Read();
        foreach (var process in ServiceUsage.Everything.Where(after.Has))
        {
            ServiceCpu[process] = after.CpuSince(before, process);
        }
        MachineBusy = after.MachineBusy - before.MachineBusy;
        CpuCounted = clock.Elapsed;
    }

    /// <summary>
    /// How the services settled after the phase's last answer. The backlog ended within the last, quiet, sample of
    /// that wait, counted here as its start, so the sustained rate errs low, by at most a second; when they never went
    /// quiet, the whole wait counts and the rate is an upper bound.
    /// </summary>
    public void Settled(ServiceUsage.Settling settling, double quiet)
    {
        _stillBusy = settling.Cores >= quiet;
        CatchUp = !settling.ServicesHere ? null : _stillBusy ? settling.Waited : settling.Waited - settling.LastSample;
    }

    /// <summary>E.g. "caught up 2.1 s after the last answer …: 231.4 turns/s through the whole pipeline"; null when not measured.</summary>
    public string? CatchUpLine() => CatchUp is not { } catchUp ? null
        : _stillBusy
            ? string.Create(CultureInfo.InvariantCulture, $"still busy {catchUp.TotalSeconds:0} s after the last answer: at most {SustainedRate:0.0} turns/s through the whole pipeline")
            : string.Create(CultureInfo.InvariantCulture, $"caught up {catchUp.TotalSeconds:0.0} s after the last answer (results and inference logs stored): {SustainedRate:0.0} turns/s through the whole pipeline");

    private void Record(AnswerTiming timing)
    {
        Interlocked.Increment(ref _answers);
        Interlocked.Add(ref _tokens, timing.Tokens);
        if (timing.Error is { } error)
        {
            _errors.AddOrUpdate(error, 1, (_, n) => n + 1);
            return;
        }
        Interlocked.Add(ref _pieces, timing.Pieces);
        FirstToken.Add(timing.FirstToken.TotalMilliseconds);
        Whole.Add(timing.Whole.TotalMilliseconds);
        var previous = TimeSpan.Zero;
        foreach (var (stage, at) in timing.Stages)
        {
            _stageSteps.GetOrAdd(stage, name => new Figures(name, "ms")).Add((at - previous).TotalMilliseconds);
            previous = at;
        }
    }

    /// <summary>
    /// The time from each milestone to the next (p50 / p99), e.g. "→ accepted 12.0 / 30.5 ms": which part of the
    /// pipeline a turn waits for. Null for a path without milestones.
    /// </summary>
    public string? StageSteps() => _stageSteps.IsEmpty ? null : string.Join(", ", SocketStages.All
        .Where(_stageSteps.ContainsKey)
        .Select(stage => $"→ {stage} {Ms(_stageSteps[stage].Percentile(50))} / {Ms(_stageSteps[stage].Percentile(99))}")) + " ms";

    public static string Header =>
        $"    {"",-30} {"answers",8} {"1st p50",9} {"1st p99",9} {"whole mean",11} {"whole p99",10} {"turns/s",8} {"tokens/s",9} {"pieces",7}  errors";

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"    {Name,-30} {FirstToken.Count,8} {Ms(FirstToken.Percentile(50)),9} {Ms(FirstToken.Percentile(99)),9} {Ms(Whole.Mean()),11} {Ms(Whole.Percentile(99)),10} {AnsweredRate,8:0.0} {TokenRate,9:0} {PiecesPerAnswer,7:0.0}  {ErrorText()}");

    /// <summary>The pieces (chunks or frames with text) an answer came in, on average over the answers without error.</summary>
    public double PiecesPerAnswer => Whole.Count == 0 ? double.NaN : (double)Interlocked.Read(ref _pieces) / Whole.Count;

    /// <summary>CPU per relayed token of each service that spent any, e.g. "ChatSocket 80 µs".</summary>
    public string CpuPerToken() => Tokens == 0 || !ServiceUsage.Names.Any(ServiceCpu.ContainsKey)
        ? "not measured (the services are not on this machine)"
        : string.Join(", ", ServiceCpu.Where(s => s.Value > TimeSpan.Zero).Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.TotalMicroseconds / Tokens:0.0} µs")));

    /// <summary>
    /// Where the machine's CPU went per answer, largest first, with the whole machine's busy cores: what a turn costs
    /// beyond TaskFlow's own services. Null when the services are not on this machine.
    /// </summary>
    public string? CpuPerAnswer()
    {
        if (Answers == 0 || BusyCores is not { } busy)
        {
            return null;
        }
        var counted = ServiceCpu.Values.Aggregate(TimeSpan.Zero, (sum, cpu) => sum + cpu);
        var parts = ServiceCpu.Where(s => s.Value > TimeSpan.Zero).OrderByDescending(s => s.Value)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.TotalMilliseconds / Answers:0.00}"))
            .Append(string.Create(CultureInfo.InvariantCulture, $"other {Math.Max(0, (MachineBusy - counted).TotalMilliseconds) / Answers:0.00}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{string.Join(", ", parts)} ms (the machine: {MachineBusy.TotalMilliseconds / Answers:0.00} ms per answer, {busy:0.00} of {Environment.ProcessorCount} cores busy over {CpuCounted.TotalSeconds:0} s{SpeedText()})");
    }

    private string SpeedText() => QuietSpeed is { } speed
        ? string.Create(CultureInfo.InvariantCulture, $"; its speed when quiet before: {speed:0.0} JSON round trips/ms on one core")
        : "";

    private string ErrorText() => _errors.IsEmpty ? "0" : string.Join(", ", _errors.Select(e => $"{e.Key} × {e.Value}"));

    public static string Ms(double value) => double.IsNaN(value) ? "–"
        : value.ToString(Math.Abs(value) >= 100 ? "0" : Math.Abs(value) >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
