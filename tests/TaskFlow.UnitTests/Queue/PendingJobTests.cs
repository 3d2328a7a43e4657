using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Queue;

/// <summary>A stored job must become the very message it was first published as, whoever publishes it again.</summary>
public sealed class PendingJobTests
{
    [Fact]
    public void A_stored_job_becomes_the_same_message_again_from_its_row_alone()
    {
        IReadOnlyList<ChatTurn> prompt = [new("system", "Be brief."), new("user", "Quote \"this\" — and ünïcode.")];
        var created = new DateTimeOffset(2026, 11, 23, 1, 2, 3, TimeSpan.Zero);
        var row = new Generation
        {
            Id = Guid.CreateVersion7(),
            ConversationId = Guid.CreateVersion7(),
            UserMessageId = Guid.CreateVersion7(),
            UserId = "user-1",
            Model = "fake-qwen",
            Priority = (int)JobPriority.High,
            QueuePriority = 9,
            Status = GenerationStatus.Waiting,
            CreatedAt = created,
            PendingPrompt = PendingJob.SerializePrompt(prompt),
        };

        var message = PendingJob.ToMessage(row, PendingJob.DeserializePrompt(row.PendingPrompt)!);

        Assert.Equal(new GenerateReply(row.Id, row.ConversationId.Value, row.UserMessageId, "user-1", "fake-qwen", JobPriority.High,
            message.Prompt, created, JobKind.Answer), message);
        Assert.Equal(prompt, message.Prompt);
    }

    [Fact]
    public void A_job_outside_any_conversation_keeps_its_kind_and_an_empty_conversation()
    {
        var row = new Generation
        {
            Id = Guid.CreateVersion7(),
            Kind = "completion",
            UserId = "user-2",
            Model = "fake-qwen",
            Priority = (int)JobPriority.Low,
            Status = GenerationStatus.Waiting,
        };

        var message = PendingJob.ToMessage(row, [new("user", "hi")]);

        Assert.Equal(JobKind.Completion, message.Kind);
        Assert.Equal(Guid.Empty, message.ConversationId);
    }
}
