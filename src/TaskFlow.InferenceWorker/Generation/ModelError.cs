namespace TaskFlow.InferenceWorker.Generation;

/// <summary>A model failure in the terms of the TaskFlow AI seed: a stable code, words for the user, and whether trying again can help.</summary>
public sealed record ModelError(string Code, string UserMessage, bool IsTransient)
{
    public const string RateLimited = "RATE_LIMITED";
    public const string QuotaExceeded = "QUOTA_EXCEEDED";
    public const string ModelNotFound = "MODEL_NOT_FOUND";
    public const string PermissionDenied = "PERMISSION_DENIED";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string Timeout = "TIMEOUT";
    public const string ContentBlocked = "CONTENT_BLOCKED";
    public const string Abort = "ABORT";
    public const string Unknown = "UNKNOWN";
}
