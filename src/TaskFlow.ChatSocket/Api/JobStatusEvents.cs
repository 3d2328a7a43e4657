using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Api;

/// <summary>
/// <c>GET /stream/status/{jobId}</c>: the same relay the socket uses, written as Server-Sent Events. A client that
/// reconnects with Last-Event-ID gets what follows that event, from any replica; one that had the end gets 204 No
/// Content, which tells a browser's EventSource to stop reconnecting.
/// </summary>
public static class JobStatusEvents
{
    public static async Task StreamAsync(
        Guid jobId,
        HttpContext http,
        ChatDbContext db,
        TokenStreamReader streams,
        GenerationRelays relays,
        AnswerOutcomes outcomes)
    {
        var userId = CurrentUser.IdOf(http);
        var job = await db.Generations.AsNoTracking().FirstOrDefaultAsync(g => g.Id == jobId && g.UserId == userId, http.RequestAborted);
        if (job is null)
        {
            await TypedResults.NotFound(new ProblemMessage(false, "Job not found. List yours with GET /api/jobs.")).ExecuteAsync(http);
            return;
        }

        var lastSequence = LastEventId(http.Request);
        var expired = job.FinishedAt is not null && !await streams.ExistsAsync(job.Id);
        if (lastSequence == ServerSentEvents.AfterEnd || (!expired && await streams.EndSequenceAsync(job.Id) <= lastSequence))
        {
            await TypedResults.NoContent().ExecuteAsync(http);
            return;
        }
        var events = new ServerSentEvents(http.Response);
        var writing = events.WriteAsync(http.RequestAborted);

        if (expired)
        {
            // Finished long enough ago that its token stream expired: the stored answer is the result.
            var answer = await db.Messages.AsNoTracking().Where(m => m.Id == job.Id).Select(m => m.Content).FirstOrDefaultAsync(http.RequestAborted);
            events.At(ServerSentEvents.AfterEnd);
            events.Send(new JobResult(job.Id, job.Status, answer ?? "", null, null, job.ErrorCode, job.ErrorMessage));
            events.Complete();
            await writing;
            return;
        }

        // API clients get tokens as fast as they come: pacing is for people reading along.
        var relay = relays.Start(job.Id, lastSequence, events, paced: false, async (finished, end) =>
        {
            var reply = await outcomes.FinishedAsync(finished, job.ConversationId ?? Guid.Empty, job.Model, end);
            foreach (var serverEvent in ReplyEvents.For(reply))
            {
                events.Send(serverEvent);
            }
            events.Send(new JobResult(job.Id, end.Status, reply.Content, end.InputTokens, end.OutputTokens, end.ErrorCode, end.ErrorMessage));
            events.Complete();
        }, http.RequestAborted);
        await writing;
        await relay.StopAsync();
    }

    /// <summary>The Last-Event-ID header, or the <c>lastEventId</c> query parameter for clients that cannot set headers.</summary>
    private static long LastEventId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["lastEventId"].FirstOrDefault();
        return long.TryParse(raw, out var sequence) && sequence > 0 ? sequence : 0;
    }
}
