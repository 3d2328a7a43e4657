using System.Text.Json.Serialization;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>Everything the server sends on the chat socket. docs/protocol.md describes each event and when it comes.</summary>
public abstract record ServerEvent([property: JsonPropertyOrder(-1)] string Type);

public sealed record ConversationCreated(Guid ConversationId, string Model, string ModelName, bool Offline)
    : ServerEvent("conversation_created");

public sealed record ConversationResumed(Guid ConversationId, string Model, string Title, string Status)
    : ServerEvent("conversation_resumed");

public sealed record TitleUpdated(Guid ConversationId, string Title) : ServerEvent("title_updated");

/// <summary>The user's message is stored and its job queued: from here on nothing loses it.</summary>
public sealed record MessageAccepted(Guid ConversationId, Guid MessageId, Guid GenerationId, string Priority)
    : ServerEvent("message_accepted");

/// <summary><see cref="Kind"/> is "answer" for the model's reply, "nudge" for the canned idle check-in.</summary>
public sealed record AiStart(Guid GenerationId, bool Restarted, string Kind) : ServerEvent("ai_start")
{
    public const string Answer = "answer";
    public const string Nudge = "nudge";
    public const string Greeting = "greeting";
}

public sealed record AiToken(Guid GenerationId, long Seq, string Token) : ServerEvent("ai_token");

public sealed record AiDone(Guid GenerationId, Guid? MessageId, string Status, long? TokensUsed, long? InputTokens, long? OutputTokens)
    : ServerEvent("ai_done");

/// <summary>The answer stopped early; <see cref="PartialContent"/> is its last 200 characters as the user saw them.</summary>
public sealed record AiInterrupted(Guid GenerationId, string PartialContent, int InterruptedAtToken, string Reason)
    : ServerEvent("ai_interrupted");

/// <summary>The job waits in the queue: <see cref="Ahead"/> jobs will start before it.</summary>
public sealed record QueuePosition(Guid GenerationId, long Position, long Ahead) : ServerEvent("queue_position");

/// <summary>An estimate from 0 to 100; <see cref="Stage"/> is waiting, processing or completed.</summary>
public sealed record Progress(Guid GenerationId, int Percent, string Stage) : ServerEvent("progress");

/// <summary>
/// The job is held up: "retrying" after a transient model failure, "throttled" by the model's rate limit, or "delayed"
/// because RabbitMQ could not take it yet (code QUEUE_UNAVAILABLE; it is stored and queued once RabbitMQ is back).
/// </summary>
public sealed record JobStatus(Guid GenerationId, string Status, int? Attempt, long? RetryInMs, string? Code) : ServerEvent("job_status")
{
    public const string Delayed = "delayed";
}

/// <summary>The answer to "AI generate question": a question the user may send (it is not sent for them).</summary>
public sealed record QuestionSuggested(Guid GenerationId, string Question) : ServerEvent("question_suggested");

public sealed record TypingNudge(string Message) : ServerEvent("typing_nudge");

public sealed record ConversationEnded(Guid ConversationId, string Reason) : ServerEvent("conversation_ended")
{
    public const string IdleTimeout = "idle_timeout";
}

/// <summary>The final result of a job, for clients of the HTTP API (the socket has the answer from its tokens already).</summary>
public sealed record JobResult(Guid GenerationId, string Status, string Content, long? InputTokens, long? OutputTokens, string? ErrorCode, string? Error)
    : ServerEvent("result");

/// <summary>A failure the user should see: <see cref="Code"/> is stable for programs, <see cref="Error"/> says what to do.</summary>
public sealed record AiError(Guid? GenerationId, string Code, string Error) : ServerEvent("ai_error");
