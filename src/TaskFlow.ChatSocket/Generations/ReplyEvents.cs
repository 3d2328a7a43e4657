using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Generations;

/// <summary>
/// How an ended answer is told to a client, the same over the socket and Server-Sent Events: <c>ai_error</c> for a
/// failure, <c>ai_interrupted</c> for an answer the user stopped (with <c>ai_done</c> after a cancel, since nothing
/// follows it), <c>ai_done</c> otherwise.
/// </summary>
public static class ReplyEvents
{
    /// <summary>How much of a stopped answer <c>ai_interrupted</c> repeats, from its end.</summary>
    public const int PartialPreviewLength = 200;

    public static IReadOnlyList<ServerEvent> For(ReplyFinished reply)
    {
        var messageId = reply.Content.Length > 0 ? reply.GenerationId : (Guid?)null;
        switch (reply.Status)
        {
            case GenerationStatus.Failed:
                return [new AiError(reply.GenerationId, reply.ErrorCode ?? ErrorCodes.Unknown, reply.ErrorMessage ?? "Something went wrong. Please try again.")];
            case GenerationStatus.Interrupted or GenerationStatus.Cancelled:
                var partial = reply.Content.Length <= PartialPreviewLength ? reply.Content : reply.Content[^PartialPreviewLength..];
                var interrupted = new AiInterrupted(reply.GenerationId, partial, reply.TokenCount, reply.Status);
                return reply.Status == GenerationStatus.Cancelled
                    ? [interrupted, new AiDone(reply.GenerationId, messageId, GenerationStatus.Cancelled, null, null, reply.TokenCount)]
                    : [interrupted];
            default:
                return [new AiDone(reply.GenerationId, messageId, reply.Status, TokensUsed(reply), reply.InputTokens, reply.OutputTokens)];
        }
    }

    /// <summary>Prompt and answer together when the model reported both; the answer alone when it did not count the prompt.</summary>
    public static long? TokensUsed(ReplyFinished reply) =>
        reply.InputTokens is { } input && reply.OutputTokens is { } output ? input + output : reply.OutputTokens;

    /// <summary>The user's turn is over: the answer is complete, failed, or cancelled (an interruption goes on with the next message).</summary>
    public static bool EndsTurn(ReplyFinished reply) => reply.Status != GenerationStatus.Interrupted;
}
