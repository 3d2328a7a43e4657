using System.Text.Json;

namespace TaskFlow.Tests.Support;

/// <summary>
/// Reads the orchestrator's (DCP's) own log for one known fault: a replica started again under its old name is given
/// no Endpoint, so DCP's proxy never routes to it. DCP keeps a cache of the Endpoints it made per workload, keyed by the
/// workload's name, not its identity; when an entry outlives its workload (DCP's own reconcile ran only while its
/// Kubernetes client cache lagged), the replica that Aspire recreates under the same name is told its Endpoint
/// "already exists", and none is created. The log shows it as "Endpoint(s) already exist for this workload and
/// Service combination" after the new run starts, with no "New Endpoint(s) created".
/// </summary>
public static class DcpEndpointLog
{
    public static bool ReplicaLostItsEndpoint(string stackLogDirectory, string executable, DateTimeOffset startedAgainAfter)
    {
        var folder = Path.Combine(stackLogDirectory, "orchestrator");
        if (!Directory.Exists(folder))
        {
            return false;
        }
        var started = false;
        var lost = false;
        foreach (var file in Directory.EnumerateFiles(folder, "*run-controllers*.log"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!line.Contains($"\"/{executable}\"", StringComparison.Ordinal) || Entry(line) is not { } entry || entry.At < startedAgainAfter)
                {
                    continue;
                }
                switch (entry.Message)
                {
                    case "Starting Executable...":
                        (started, lost) = (true, false);
                        break;
                    case "New Endpoint(s) created" when started:
                        return false;
                    case "Endpoint(s) already exist for this workload and Service combination" when started:
                        lost = true;
                        break;
                }
            }
        }
        return lost;
    }

    private static (DateTimeOffset At, string Message)? Entry(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("ts", out var ts) && json.RootElement.TryGetProperty("msg", out var msg)
                ? (ts.GetDateTimeOffset(), msg.GetString() ?? "")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
