

namespace TaskFlow.ChatSocket.Generations;

/// <summary>
/// A suggested question is not part of the conversation: its tokens are not shown as an answer. Only its queue
/// reports pass through; the finished question arrives as one <c>question_suggested</c> event.
/// </summary>
public sealed class QuestionEventSink(IEventSink inner) : IEventSink
{
    public void Send(ServerEvent serverEvent)
    {
        if (serverEvent is QueuePosition or Progress or JobStatus or AiError)
        {
            inner.Send(serverEvent);
        }
    }

    public void At(long sequence) => inner.At(sequence);
}
