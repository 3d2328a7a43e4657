using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Streaming;

namespace TaskFlow.ChatSocket.Turns;

/// <summary>A client coming back to a conversation: the conversation, and the answer it should follow, if any.</summary>
/// <param name="Follow">The answer to relay from the client's last entry on; null when there is nothing to follow.</param>
public sealed record Resumption(Conversation Conversation, Guid? Follow);

public sealed class ConversationResumer(ConversationStore store, JobStore jobs, TokenStreamReader streams)
{
    /// <returns>Null when the conversation does not exist or is not the user's.</returns>
    public async Task<Resumption?> ResumeAsync(Guid conversationId, string userId, long lastSequence, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(conversationId, userId, cancellationToken) is not { } conversation)
        {
            return null;
        }
        // A client that was mid-answer (lastSeq > 0) gets the rest even if the answer finished while it was away,
        // as long as the stream is still in Redis; an unfinished answer is relayed in any case.
        var latest = await jobs.LatestGenerationAsync(conversation.Id, cancellationToken);
        var follow = latest is { Finished: false } || (latest is { } ended && lastSequence > 0 && await streams.ExistsAsync(ended.Id));
        return new Resumption(conversation, follow ? latest!.Value.Id : null);
    }
}
