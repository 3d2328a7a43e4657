namespace TaskFlow.Contracts.Chat;

/// <summary>Lifecycle of a generation job and the status its assistant message is stored with.</summary>
public static class GenerationStatus
{
    public const string Waiting = "waiting";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Interrupted = "interrupted";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    public static bool IsFinal(string status) =>
        status is Completed or Interrupted or Cancelled or Failed;
}
