using System.Text.Json;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// A stored job as the <see cref="GenerateReply"/> message the worker needs. The row holds everything but the prompt,
/// which it keeps (as JSON) only until RabbitMQ confirms the job: the same message can then be built again from it.
/// </summary>
public static class PendingJob
{
    public static string SerializePrompt(IReadOnlyList<ChatTurn> prompt) => JsonSerializer.Serialize(prompt);

    public static IReadOnlyList<ChatTurn>? DeserializePrompt(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<List<ChatTurn>>(json);

    /// <summary>
    /// The job's message. Its enqueue time is when the job was stored, so the queue wait the worker measures is the one
    /// the user had, including any time RabbitMQ was unreachable.
    /// </summary>
    public static GenerateReply ToMessage(Generation generation, IReadOnlyList<ChatTurn> prompt) =>
        new(generation.Id, generation.ConversationId ?? Guid.Empty, generation.UserMessageId, generation.UserId, generation.Model,
            (JobPriority)generation.Priority, prompt, generation.CreatedAt, Enum.Parse<JobKind>(generation.Kind, ignoreCase: true));
}
