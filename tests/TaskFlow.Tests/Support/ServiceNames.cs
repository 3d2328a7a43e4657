namespace TaskFlow.Tests.Support;

/// <summary>The AppHost's resource names of the five services: also each one's OTEL service name and metrics label.</summary>
public static class ServiceNames
{
    public const string Gateway = "gateway";
    public const string Web = "web";
    public const string ChatSocket = "chatsocket";
    public const string InferenceWorker = "inferenceworker";
    public const string Telemetry = "telemetry";

    /// <summary>In the AppHost's order of start.</summary>
    public static readonly IReadOnlyList<string> All = [Web, ChatSocket, InferenceWorker, Telemetry, Gateway];

    /// <summary>Redis, PostgreSQL (server, then database), RabbitMQ's epmd, then RabbitMQ.</summary>
    public static readonly IReadOnlyList<string> Infrastructure = ["redis", "postgres", "taskflowdb", "messaging-epmd", "messaging"];
}
