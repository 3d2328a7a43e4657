namespace TaskFlow.ChatSocket.Sockets.Protocol;

/// <summary>Protocol-level error codes (model failures use the worker's codes, e.g. RATE_LIMITED).</summary>
public static class ErrorCodes
{
    public const string InvalidMessage = "INVALID_MESSAGE";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string UnsupportedFrame = "UNSUPPORTED_FRAME";
    public const string UnknownEvent = "UNKNOWN_EVENT";
    public const string Flooding = "TOO_MANY_MESSAGES";
    public const string TooManyConnections = "TOO_MANY_CONNECTIONS";
    public const string TooManyJobs = "TOO_MANY_JOBS";
    public const string ConversationNotFound = "CONVERSATION_NOT_FOUND";
    public const string ModelNotFound = "MODEL_NOT_FOUND";
    public const string NoWorker = "NO_WORKER";

    /// <summary>HTTP API only: the conversation's last message is still being answered (the socket interrupts it instead).</summary>
    public const string GenerationInProgress = "GENERATION_IN_PROGRESS";
    public const string QueueUnavailable = "QUEUE_UNAVAILABLE";
    public const string StorageUnavailable = "STORAGE_UNAVAILABLE";
    public const string StreamFailed = "STREAM_FAILED";
}
