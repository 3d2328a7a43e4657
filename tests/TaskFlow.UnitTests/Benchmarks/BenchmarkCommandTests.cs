using TaskFlow.Benchmark;
using TaskFlow.Benchmark.Pipeline;

namespace TaskFlow.UnitTests.Benchmarks;

/// <summary>
/// The benchmark command keeps working: its options are checked and its micro-benchmarks print a row per case. What the
/// figures are is for people to read (docs/benchmarks.md); no test asserts a timing.
/// </summary>
public sealed class BenchmarkCommandTests
{
    [Fact]
    public void The_micro_benchmarks_print_one_row_per_case()
    {
        using var output = new StringWriter();
        Assert.Equal(0, MicroBenchmarks.Redaction(TimeSpan.FromMilliseconds(20), output));
        Assert.Equal(0, MicroBenchmarks.Context(TimeSpan.FromMilliseconds(20), output));

        var rows = output.ToString().Split('\n').Where(line => line.Contains("(µs)", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, rows.Count);
        Assert.All(rows.Take(4), row => Assert.Contains("MB/s", row, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "chat", "--users", "0" }, "bad option or value: --users 0")]
    [InlineData(new[] { "chat", "--gateway", "ftp://x" }, "bad option or value: --gateway ftp://x")]
    [InlineData(new[] { "stress" }, "unknown scenario 'stress'")]
    [InlineData(new[] { "chat", "--turns" }, "--turns needs a value")]
    [InlineData(new[] { "pipeline", "--levels", "1,,2" }, "bad option or value: --levels 1,,2")]
    [InlineData(new[] { "pipeline", "--rate", "-1" }, "bad option or value: --rate -1")]
    [InlineData(new[] { "pipeline", "--streaming", "10001" }, "bad option or value: --streaming 10001")]
    [InlineData(new[] { "pipeline", "--job-slots", "0" }, "bad option or value: --job-slots 0")]
    [InlineData(new[] { "pipeline", "--arrivals", "burst" }, "bad option or value: --arrivals burst")]
    public void Bad_options_are_refused_with_what_is_wrong(string[] args, string error)
    {
        Assert.False(BenchmarkOptions.TryParse(args, out _, out var message));
        Assert.Equal(error, message);
    }

    [Fact]
    public void Options_have_defaults_and_take_values()
    {
        Assert.True(BenchmarkOptions.TryParse(["chat", "--users", "5", "--priority", "high", "--model", "qwen3"], out var options, out _));
        Assert.Equal((5, 5, "high", "qwen3", new Uri("http://localhost:5100")), (options.Users, options.Turns, options.Priority, options.Model, options.Gateway));
    }

    [Fact]
    public void Pipeline_options_describe_the_model_and_the_load()
    {
        Assert.True(BenchmarkOptions.TryParse(["pipeline", "--levels", "1,20", "--tokens", "20", "--rate", "0", "--first-token-ms", "5", "--idle-sockets", "0"],
            out var options, out _));
        Assert.Equal([1, 20], options.Levels);
        Assert.Equal(new AnswerProfile(20, 0, TimeSpan.FromMilliseconds(5)), options.Answer);
        Assert.Equal((0, 0, false, false), (options.IdleSockets, options.Streaming, options.GatewayGiven, options.TurnsGiven));
        Assert.Null(options.JobSlots);
        Assert.True(BenchmarkOptions.TryParse(["pipeline", "--idle-sockets", "9000", "--streaming", "1000", "--job-slots", "400"], out options, out _));
        Assert.Equal((9000, 1000, 400), (options.IdleSockets, options.Streaming, options.JobSlots));
        Assert.Equal(options.Answer, AnswerProfile.Find($"any question {options.Answer.Marker} at all"));
    }

    [Fact]
    public void A_levels_first_turns_are_spread_over_one_answer_unless_they_come_together()
    {
        Assert.True(BenchmarkOptions.TryParse(["pipeline"], out var options, out _));
        Assert.False(options.ArrivalsTogether);
        // 500 tokens at 100 tok/s: the last is due 4.99 s after the first.
        Assert.Equal(TimeSpan.FromSeconds(4.99), options.Answer.Length);
        Assert.Equal(TimeSpan.FromMilliseconds(250), new AnswerProfile(20, 0, TimeSpan.FromMilliseconds(250)).Length);
        Assert.True(BenchmarkOptions.TryParse(["pipeline", "--arrivals", "together"], out options, out _));
        Assert.True(options.ArrivalsTogether);
    }

    /// <summary>"Streaming at once" counts answers whose first token came before another's last, not ones back to back.</summary>
    [Fact]
    public void The_most_answers_streaming_at_once_are_counted_from_their_spans()
    {
        static (TimeSpan, TimeSpan) Span(double from, double to) => (TimeSpan.FromSeconds(from), TimeSpan.FromSeconds(to));

        Assert.Equal(0, SocketCrowd.MostAtOnce([]));
        Assert.Equal(1, SocketCrowd.MostAtOnce([Span(0, 1), Span(1, 2), Span(2, 3)]));
        Assert.Equal(3, SocketCrowd.MostAtOnce([Span(0, 10), Span(2, 5), Span(4, 6), Span(5.5, 7), Span(8, 9)]));
    }

    /// <summary>
    /// Turns count as sustained only once what they caused is stored: the wait for the services to go quiet, less its
    /// last (quiet) sample, is added to the phase; services that never went quiet make the rate an upper bound.
    /// </summary>
    [Fact]
    public async Task The_sustained_rate_counts_until_the_services_caught_up()
    {
        var phase = new Phase("through", throughTaskFlow: true);
        await phase.RunAsync(2, 5, (_, _, _) => Task.FromResult(new AnswerTiming(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), 20)), default, progress: false);
        var answered = phase.Whole.Count / phase.Elapsed.TotalSeconds;

        phase.Settled(new ServiceUsage.Settling(TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(1), Cores: 0.1, ServicesHere: true), quiet: 0.3);
        Assert.Equal(TimeSpan.FromSeconds(2.5), phase.CatchUp);
        Assert.Equal(10 / (phase.Elapsed + TimeSpan.FromSeconds(2.5)).TotalSeconds, phase.SustainedRate, 6);
        Assert.StartsWith("caught up 2.5 s after the last answer", phase.CatchUpLine());

        phase.Settled(new ServiceUsage.Settling(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), Cores: 1.2, ServicesHere: true), quiet: 0.3);
        Assert.Equal(TimeSpan.FromSeconds(30), phase.CatchUp);
        Assert.StartsWith("still busy 30 s after the last answer: at most", phase.CatchUpLine());

        phase.Settled(new ServiceUsage.Settling(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), Cores: 0, ServicesHere: false), quiet: 0.3);
        Assert.Null(phase.CatchUp);
        Assert.Null(phase.CatchUpLine());
        Assert.Equal(answered, phase.SustainedRate, 6);
    }

    [Fact]
    public async Task A_phase_tells_the_machines_speed_measured_before_it_beside_its_CPU()
    {
        var speed = MachineSpeed.Measure(TimeSpan.FromMilliseconds(50));
        Assert.True(speed > 0, $"speed {speed}");

        var phase = new Phase("through", throughTaskFlow: true) { QuietSpeed = 123.45 };
        await phase.RunAsync(1, 2, (_, _, _) => Task.FromResult(new AnswerTiming(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), 20)), default, progress: false);
        phase.ServiceCpu["ChatSocket"] = TimeSpan.FromMilliseconds(4);
        Assert.EndsWith("its speed when quiet before: 123.5 JSON round trips/ms on one core)", phase.CpuPerAnswer());
    }

    [Fact]
    public void The_warm_up_answers_at_the_runs_pace_but_short()
    {
        Assert.Equal(new AnswerProfile(50, 100, TimeSpan.FromMilliseconds(5)), PipelineBenchmark.WarmUpAnswer(new AnswerProfile(500, 100, TimeSpan.FromMilliseconds(5))));
        Assert.Equal(new AnswerProfile(20, 0, TimeSpan.Zero), PipelineBenchmark.WarmUpAnswer(new AnswerProfile(20, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task The_pieces_an_answer_came_in_are_averaged_over_the_answers_without_error()
    {
        var phase = new Phase("through", throughTaskFlow: true);
        await phase.RunAsync(3, 1, (chat, _, _) => Task.FromResult(chat == 2
            ? new AnswerTiming(TimeSpan.Zero, TimeSpan.Zero, 0, "SOCKET_CLOSED") { Pieces = 50 }
            : new AnswerTiming(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), 20) { Pieces = chat == 0 ? 4 : 8 }), default, progress: false);

        Assert.Equal(6, phase.PiecesPerAnswer, 6);
        Assert.EndsWith("    6.0  SOCKET_CLOSED × 1", phase.Row());
    }

    /// <summary>The benchmark's model server and its clients agree on both protocols, as they must for "direct" to mean anything.</summary>
    [Fact]
    public async Task The_paced_model_server_streams_every_token_on_both_protocols()
    {
        await using var server = await PacedModelServer.StartAsync(port: 0);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var profile = new AnswerProfile(8, 400, TimeSpan.FromMilliseconds(10));
        var prompt = $"hello {profile.Marker}";

        var ollama = await AnswerClients.OllamaAsync(http, prompt, profile, CancellationToken.None);
        var openAi = await AnswerClients.OpenAiAsync(http, "any-key", prompt, profile, CancellationToken.None);

        foreach (var timing in new[] { ollama, openAi })
        {
            Assert.Null(timing.Error);
            Assert.Equal(8, timing.Tokens);
            Assert.Equal(8, timing.Pieces);
            // Paced from the request's arrival: the last token is not due before 10 ms + 7 × 2.5 ms.
            Assert.True(timing.Whole >= profile.DueAt(7), $"the answer took {timing.Whole}");
        }
        Assert.Equal(2, server.Answers);
    }
}
