using System.Globalization;
using MassTransit;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// A job that has to wait (the model's rate limit is reached, or a retry's delay) gives its slot back: it is handed
/// to the waiting queue and comes back to <c>generate-reply</c>, at its priority, once the wait is over. It is always a
/// message RabbitMQ holds (an unacknowledged one while it waits), so a worker dying meanwhile loses nothing; and the
/// job's claim moves with it from message to message, so no copy left behind by a crash runs it a second time.
/// </summary>
public sealed class JobParking(GenerationClaims claims, TimeProvider clock)
{
    public const string QueueName = "generate-reply-waiting";

    private const string NotBeforeHeader = "TaskFlow-Not-Before";
    private const string AttemptHeader = "TaskFlow-Attempt";
    private const string ParkedAsHeader = "TaskFlow-Parked-As";

    /// <summary>Sends the job to wait <paramref name="wait"/>; its next model call will be <paramref name="nextAttempt"/>.</summary>
    public async Task ParkAsync(ConsumeContext<GenerateReply> context, TimeSpan wait, int nextAttempt)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("MassTransit gives every message an id.");
        var parkedId = GenerationClaims.ParkedId(messageId);
        // The claim moves first: should this worker die before the send is confirmed, the redelivered message takes
        // it back (it knows the derived id) and runs; should it die after, the parked copy goes on alone.
        await claims.TryClaimAsync(context.Message.GenerationId, parkedId, messageId);
        var waiting = await context.GetSendEndpoint(new Uri($"exchange:{QueueName}"));
        await waiting.Send(context.Message, send =>
        {
            send.MessageId = parkedId;
            send.Headers.Set(NotBeforeHeader, (clock.GetUtcNow() + wait).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            send.Headers.Set(AttemptHeader, nextAttempt.ToString(CultureInfo.InvariantCulture));
            CopyPriority(context, send);
        }, context.CancellationToken);
    }

    /// <summary>Puts a parked job back on the job queue; the worker that takes it claims it from the parked message.</summary>
    public Task ReturnAsync(ConsumeContext<GenerateReply> context) =>
        context.Publish(context.Message, send =>
        {
            send.MessageId = NewId.NextGuid();
            send.Headers.Set(ParkedAsHeader, context.MessageId?.ToString("N"));
            send.Headers.Set(AttemptHeader, Attempt(context).ToString(CultureInfo.InvariantCulture));
            CopyPriority(context, send);
        }, context.CancellationToken);

    /// <summary>When a parked job may go back to the queue.</summary>
    public static DateTimeOffset NotBefore(ConsumeContext context) =>
        long.TryParse(Header(context, NotBeforeHeader), CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.MinValue;

    /// <summary>The model call this delivery makes: 1 for a new job, more for one back from a retry's wait.</summary>
    public static int Attempt(ConsumeContext context) =>
        int.TryParse(Header(context, AttemptHeader), CultureInfo.InvariantCulture, out var attempt) && attempt > 0 ? attempt : 1;

    /// <summary>The parked message this one returned from, if it did.</summary>
    public static Guid? ReturnedFrom(ConsumeContext context) =>
        Guid.TryParse(Header(context, ParkedAsHeader), out var parked) ? parked : null;

    private static string? Header(ConsumeContext context, string name) =>
        context.Headers.TryGetHeader(name, out var value) ? value?.ToString() : null;

    // The job keeps the queue priority ChatSocket gave it (see FairPriority there) on every hop.
    private static void CopyPriority(ConsumeContext context, SendContext send)
    {
        if (context.TryGetPayload<RabbitMqBasicConsumeContext>(out var basic) && basic.Properties.IsPriorityPresent())
        {
            send.TrySetPriority(basic.Properties.Priority);
        }
    }
}
