namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// The Redis contract between the worker (writer) and ChatSocket (reader) for one generation's tokens.
/// Each generation has a stream; every entry carries a sequence number so a reconnecting client can say where it stopped.
/// After each append the writer publishes on the notify channel so readers do not have to poll.
/// </summary>
public static class TokenStreamKeys
{
    public const string NotifyChannelPrefix = "taskflow:generation-notify:";

    /// <summary>How long a finished stream stays readable for clients that reconnect late.</summary>
    public static readonly TimeSpan RetentionAfterEnd = TimeSpan.FromHours(1);

    /// <summary>What every generation's key starts with; names the streams as a whole (in traces, for instance).</summary>
    public const string KeyFamily = "taskflow:generation";

    public static string Key(Guid generationId) => $"{KeyFamily}:{generationId:N}";

    public static string NotifyChannel(Guid generationId) => NotifyChannelPrefix + generationId.ToString("N");

    public static class Fields
    {
        public const string Sequence = "seq";
        public const string Kind = "kind";
        public const string Text = "text";
        public const string Status = "status";
        public const string InputTokens = "in";
        public const string OutputTokens = "out";
        public const string ErrorCode = "code";
        public const string ErrorMessage = "error";
        public const string Attempt = "attempt";
        public const string DelayMs = "delay";

        /// <summary>On the end entry of a completed answer: "stop", or "length" when the token limit cut it.</summary>
        public const string FinishReason = "finish";

        /// <summary>On a token entry that holds more than one of the model's tokens: how many (absent: one).</summary>
        public const string Pieces = "n";
    }

    public static class Kinds
    {
        /// <summary>The worker picked the job up.</summary>
        public const string Start = "start";
        public const string Token = "token";
        /// <summary>A transient model failure: the worker waits <c>delay</c> ms, then tries again (a new start follows).</summary>
        public const string Retry = "retry";

        /// <summary>The model's rate limit is reached: the worker waits <c>delay</c> ms for a permit.</summary>
        public const string Throttled = "throttled";

        /// <summary>Last entry: carries the final status, usage and error, if any.</summary>
        public const string End = "end";
    }
}
