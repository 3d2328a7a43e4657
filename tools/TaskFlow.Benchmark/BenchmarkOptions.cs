using System.Globalization;

namespace TaskFlow.Benchmark;

/// <summary>Command line of the benchmark; every value is checked, and a bad one says what is allowed.</summary>
public sealed record BenchmarkOptions(
    string Scenario, Uri Gateway, int Users, int Turns, string? Model, string Priority, TimeSpan Duration, TimeSpan TurnTimeout)
{
    public const string Usage = """
        usage: dotnet run --project tools/TaskFlow.Benchmark -c Release -- <scenario> [options]

        scenarios:
          chat        N users chat at once through the gateway's WebSocket (needs a running TaskFlow, e.g. ./run.sh)
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
        if (options.Scenario is not ("chat" or "redaction" or "context" or "micro"))
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
                    options = options with { Gateway = gateway };
                    break;
                case "--users" when Positive(value, 1000) is { } users:
                    options = options with { Users = users };
                    break;
                case "--turns" when Positive(value, 1000) is { } turns:
                    options = options with { Turns = turns };
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

    private static int? Positive(string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max ? n : null;
}
