using System.Globalization;

namespace TaskFlow.Benchmark;

/// <summary>Command line of the benchmark; every value is checked, and a bad one says what is allowed.</summary>
public sealed record BenchmarkOptions(
    string Scenario, Uri Gateway, int Users, int Turns, string? Model, string Priority, TimeSpan Duration, TimeSpan TurnTimeout)
{
    /// <summary>Whether <c>--gateway</c> named a running deployment (the pipeline benchmark then starts none).</summary>
    public bool GatewayGiven { get; init; }

    /// <summary>Whether <c>--turns</c> was given (the pipeline benchmark's default is smaller than chat's).</summary>
    public bool TurnsGiven { get; init; }

    /// <summary>The pipeline benchmark's concurrent chats per load level.</summary>
    public IReadOnlyList<int> Levels { get; init; } = [1, 10, 50, 100];

    public Pipeline.AnswerProfile Answer { get; init; } = new(500, 100, TimeSpan.Zero);

    public int IdleSockets { get; init; } = 1000;

    /// <summary>Chats answered at once through the WebSocket while the idle sockets are open.</summary>
    public int Streaming { get; init; }

    public int ModelPort { get; init; } = 11500;

    /// <summary>
    /// The most jobs the local deployment's workers run at once, together; null: as many as the run has chats at once,
    /// so no job waits in the queue.
    /// </summary>
    public int? JobSlots { get; init; }

    /// <summary>
    /// Whether every chat of a level sends its first turn at the same moment. By default the first turns are spread
    /// evenly over the time one answer takes, as people who chat independently arrive.
    /// </summary>
    public bool ArrivalsTogether { get; init; }

    public const string Usage = """
        usage: dotnet run --project tools/TaskFlow.Benchmark -c Release -- <scenario> [options]

        scenarios:
          chat        N users chat at once through the gateway's WebSocket (needs a running TaskFlow, e.g. ./run.sh)
          pipeline    the same answers from a paced model server directly and through TaskFlow (WebSocket and /v1), per
                      load level: first-token time added, whole-answer ratio, turns/s, CPU per token, memory per socket.
                      Starts the model server and TaskFlow (./run.sh on port 5300) itself unless --gateway is given
          redaction   the Telemetry service's PII redactor on a mix of texts
          context     the ChatSocket's token counting and context window on a long conversation
          micro       redaction and context

        chat options:
          --gateway URL      default http://localhost:5100
          --users N          concurrent users, each with its own socket and conversation (default 20)
          --turns N          messages per user, one after the other (default 5)
          --model ID         model id (default: the deployment's default model)
          --priority P       high, medium or low (default medium)
          --turn-timeout S   seconds before a turn counts as timed out (default 120)
        pipeline options (and --gateway, --turns: answers per chat and level, default 2):
          --levels L,L,...   concurrent chats per load level (default 1,10,50,100)
          --tokens N         tokens per answer (default 500)
          --rate R           tokens per second, 0 for an instant model (default 100)
          --first-token-ms M the model's delay before its first token (default 0)
          --idle-sockets N   sockets opened and left idle to measure memory per socket, 0 to skip (default 1000)
          --streaming N      chats answered at once through the WebSocket while those sockets are open (600 tokens at
                             10 tok/s each), every token checked; 0 to skip (default 0)
          --model-port P     the model server's port (default 11500; with --gateway, TaskFlow must use this server)
          --job-slots N      the most jobs the workers run at once, together (default: the most chats the run has at
                             once, so none waits in the queue); fewer make the excess wait in the queue, as under
                             overload (e.g. --levels 400,800 --job-slots 400)
          --arrivals A       spread: each level's chats send their first turns spread evenly over the time one answer
                             takes, as independent people do, and each its next turn when its answer is in (default);
                             together: all at the same moment, so with paced answers every turn of a level comes in one
                             burst (the worst case). The direct phases start the same way
        micro options:
          --seconds S        measuring time per case (default 3)
        """;

    public static bool TryParse(string[] args, out BenchmarkOptions options, out string? error)
    {
        options = new("chat", new Uri("http://localhost:5100"), 20, 5, null, "medium", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(120));
        error = null;
        var rest = args.ToList();
        if (rest.Count > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
        {
            options = options with { Scenario = rest[0] };
            rest.RemoveAt(0);
        }
        if (options.Scenario is not ("chat" or "pipeline" or "redaction" or "context" or "micro"))
        {
            error = $"unknown scenario '{options.Scenario}'";
            return false;
        }

        for (var i = 0; i < rest.Count; i += 2)
        {
            var value = i + 1 < rest.Count ? rest[i + 1] : null;
            if (value is null)
            {
                error = $"{rest[i]} needs a value";
                return false;
            }
            switch (rest[i])
            {
                case "--gateway" when Uri.TryCreate(value, UriKind.Absolute, out var gateway) && gateway.Scheme is "http" or "https":
                    options = options with { Gateway = gateway, GatewayGiven = true };
                    break;
                case "--users" when Positive(value, 1000) is { } users:
                    options = options with { Users = users };
                    break;
                case "--turns" when Positive(value, 1000) is { } turns:
                    options = options with { Turns = turns, TurnsGiven = true };
                    break;
                case "--model":
                    options = options with { Model = value };
                    break;
                case "--priority" when value is "high" or "medium" or "low":
                    options = options with { Priority = value };
                    break;
                case "--turn-timeout" when Positive(value, 3600) is { } seconds:
                    options = options with { TurnTimeout = TimeSpan.FromSeconds(seconds) };
                    break;
                case "--levels" when ParseLevels(value) is { } levels:
                    options = options with { Levels = levels };
                    break;
                case "--tokens" when Positive(value, 100_000) is { } tokens:
                    options = options with { Answer = options.Answer with { Tokens = tokens } };
                    break;
                case "--rate" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1_000_000:
                    options = options with { Answer = options.Answer with { TokensPerSecond = rate } };
                    break;
                case "--first-token-ms" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var delay) && delay <= 600_000:
                    options = options with { Answer = options.Answer with { FirstTokenDelay = TimeSpan.FromMilliseconds(delay) } };
                    break;
                case "--idle-sockets" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var sockets) && sockets <= 100_000:
                    options = options with { IdleSockets = sockets };
                    break;
                case "--streaming" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var streaming) && streaming <= 10_000:
                    options = options with { Streaming = streaming };
                    break;
                case "--model-port" when Positive(value, 65535) is { } port:
                    options = options with { ModelPort = port };
                    break;
                case "--arrivals" when value is "spread" or "together":
                    options = options with { ArrivalsTogether = value == "together" };
                    break;
                case "--job-slots" when Positive(value, 10_000) is { } slots:
                    options = options with { JobSlots = slots };
                    break;
                case "--seconds" when Positive(value, 600) is { } seconds:
                    options = options with { Duration = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    error = $"bad option or value: {rest[i]} {value}";
                    return false;
            }
        }
        return true;
    }

    private static int[]? ParseLevels(string text)
    {
        var levels = text.Split(',').Select(part => Positive(part.Trim(), 10_000)).ToArray();
        return levels.Length > 0 && levels.All(level => level is not null) ? [.. levels.Select(level => level!.Value)] : null;
    }

    private static int? Positive(string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n : null;
}
