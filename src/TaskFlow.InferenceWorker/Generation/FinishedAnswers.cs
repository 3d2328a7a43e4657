using System.Text;
using StackExchange.Redis;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;
using Fields = TaskFlow.Contracts.Streaming.TokenStreamKeys.Fields;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>Reads a finished generation's result back from its stream, to announce it again.</summary>
public sealed class FinishedAnswers(IConnectionMultiplexer redis)
{
    /// <summary>The result as the stream's end entry has it, with the answer of its last start; null if it has no end.</summary>
    public async Task<ReplyFinished?> ReadAsync(GenerateReply job)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(job.GenerationId));
        var content = new StringBuilder();
        var tokens = 0;
        foreach (var entry in entries)
        {
            switch ((string?)entry[Fields.Kind])
            {
                case Kinds.Start:
                    // A restarted answer begins again: what came before it is void.
                    content.Clear();
                    tokens = 0;
                    break;
                case Kinds.Token:
                    content.Append((string?)entry[Fields.Text]);
                    tokens++;
                    break;
                case Kinds.End:
                    static int? Count(RedisValue value) => value.IsNull || (long)value < 0 ? null : (int)(long)value;
                    static string? Text(RedisValue value) => value.IsNullOrEmpty ? null : value.ToString();
                    return new ReplyFinished(job.GenerationId, job.ConversationId, job.ModelId, entry[Fields.Status].ToString(),
                        content.ToString(), tokens, Count(entry[Fields.InputTokens]), Count(entry[Fields.OutputTokens]),
                        Text(entry[Fields.ErrorCode]), Text(entry[Fields.ErrorMessage]), DateTimeOffset.UtcNow);
            }
        }
        return null;
    }
}
