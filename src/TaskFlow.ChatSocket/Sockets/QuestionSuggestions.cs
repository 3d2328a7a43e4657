using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Sockets;

/// <summary>
/// <c>generate_question</c> over the socket: a question the user might ask next, made by the model as a job of its
/// own. Only its queue reports reach the client while it runs, then one <c>question_suggested</c>.
/// </summary>
internal sealed class QuestionSuggestions(IServiceScopeFactory scopes, GenerationRelays relays, AnswerOutcomes outcomes, IEventSink sender)
{
    /// <returns>Why the request was refused, or null once the job is queued and followed.</returns>
    public async Task<SubmitError?> SuggestAsync(string userId, Conversation? conversation, string? requestedModel, JobPriority priority, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<TurnSubmitter>()
            .SubmitQuestionAsync(userId, conversation, requestedModel, priority, cancellationToken);
        if (job.Error is { } error)
        {
            return error;
        }
        var model = job.Generation!.Model;
        relays.Start(job.Generation.Id, 0, new QuestionEventSink(sender), paced: false, async (finished, end) =>
        {
            await outcomes.QuestionFinishedAsync(finished, model, end);
            if (end.Status == GenerationStatus.Failed)
            {
                sender.Send(new AiError(finished.GenerationId, end.ErrorCode ?? ErrorCodes.Unknown, end.ErrorMessage ?? "No question could be generated. Try again."));
            }
            else if (end.Status == GenerationStatus.Completed)
            {
                sender.Send(new QuestionSuggested(finished.GenerationId, finished.ShownContent.Trim()));
            }
        }, cancellationToken);
        return null;
    }
}
