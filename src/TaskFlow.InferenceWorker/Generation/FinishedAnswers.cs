using StackExchange.Redis;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>Reads a finished generation's result back from its stream, to announce it again.</summary>
public sealed class FinishedAnswers(IConnectionMultiplexer redis)
{
    /// <summary>
    /// The result as the stream's end entry has it, with the answer of its last start and the time of its first (the start
    /// may never have been announced on its own); null if it has no end.
    /// </summary>
    public async Task<ReplyFinished?> ReadAsync(GenerateReply job)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(job.GenerationId));
        var answer = new StreamedAnswer();
        foreach (var raw in entries)
        {
            var entry = raw.ToTokenStreamEntry();
            answer.Apply(entry);
            if (entry.Kind == Kinds.End)
            {
                return new ReplyFinished(job.GenerationId, job.ConversationId, job.ModelId, entry.Status, answer.Content, answer.Tokens,
                    (int?)entry.InputTokens, (int?)entry.OutputTokens, entry.ErrorCode, entry.ErrorMessage, DateTimeOffset.UtcNow, answer.StartedAt);
            }
        }
        return null;
    }
}
