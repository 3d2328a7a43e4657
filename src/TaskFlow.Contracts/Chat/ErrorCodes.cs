namespace TaskFlow.Contracts.Chat;

/// <summary>
/// Every error code a client can see, whichever service decided it: the socket's <c>ai_error</c>, REST problem
/// details, <c>/v1</c>'s error codes (lower-cased) and the worker's end entries all take theirs from here, and the
/// page's table is checked against this one by a test.
/// </summary>
public static class ErrorCodes
{
    // The socket protocol and the HTTP APIs.
    public const string InvalidMessage = "INVALID_MESSAGE";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string UnsupportedFrame = "UNSUPPORTED_FRAME";
    public const string UnknownEvent = "UNKNOWN_EVENT";
    public const string Flooding = "TOO_MANY_MESSAGES";
    public const string TooManyConnections = "TOO_MANY_CONNECTIONS";
    public const string TooManyJobs = "TOO_MANY_JOBS";
    public const string ConversationNotFound = "CONVERSATION_NOT_FOUND";
    public const string NoWorker = "NO_WORKER";

    /// <summary>HTTP API only: the conversation's last message is still being answered (the socket interrupts it instead).</summary>
    public const string GenerationInProgress = "GENERATION_IN_PROGRESS";
    public const string QueueUnavailable = "QUEUE_UNAVAILABLE";
    public const string StorageUnavailable = "STORAGE_UNAVAILABLE";
    public const string StreamFailed = "STREAM_FAILED";

    /// <summary><c>/v1</c> streaming only: a retried attempt answered differently from the text already sent.</summary>
    public const string RetryDiverged = "RETRY_DIVERGED";

    // The model call, as the worker classifies its failures (the TaskFlow AI seed's codes).
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
