using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Conversations;

/// <summary>Turns a conversation's stored history into the prompt the worker sends to the model.</summary>
public sealed class PromptBuilder(ConversationStore store, IOptions<ChatOptions> options)
{
    public async Task<IReadOnlyList<ChatTurn>> BuildAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var history = await store.RecentMessagesAsync(conversationId, options.Value.ContextMessages, cancellationToken);
        var turns = new List<ChatTurn> { new("system", options.Value.SystemPrompt) };
        turns.AddRange(history
            .Where(m => m.Content.Length > 0 && m.Role is "user" or "assistant")
            .Select(m => new ChatTurn(m.Role, m.Content)));
        return turns;
    }
}
