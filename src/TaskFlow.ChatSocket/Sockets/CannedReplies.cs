using TaskFlow.ChatSocket.Generations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>The server's own words (a check-in, the greeting), streamed like an answer of that kind and never stored.</summary>
internal static class CannedReplies
{
    private static readonly TimeSpan WordPause = TimeSpan.FromMilliseconds(20);

    public static async Task StreamAsync(IEventSink sender, string kind, string text, TimeProvider clock, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        sender.Send(new AiStart(id, false, kind));
        var sequence = 0L;
        try
        {
            foreach (var word in NudgeWords.Split(text))
            {
                await Task.Delay(WordPause, clock, cancellationToken);
                sender.Send(new AiToken(id, ++sequence, word));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        sender.Send(new AiDone(id, null, GenerationStatus.Completed, null, null, sequence));
    }
}
