using System.Diagnostics;
using System.Text;
using MassTransit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Telemetry;
using TaskFlow.Contracts.Text;
using TaskFlow.InferenceWorker.Models;
using TaskFlow.InferenceWorker.Telemetry;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Runs one generation: streams the model's answer into the generation's Redis stream, then announces the result
/// (for the chat schema) and the inference record (for Telemetry). A job that has to wait first (rate limit, retry
/// delay) is parked instead and comes back later as another message (see <see cref="JobParking"/>).
/// </summary>
public sealed class GenerateReplyConsumer(
    ModelRegistry models,
    TokenStreamWriter streams,
    FinishedAnswers finishedAnswers,
    GenerationClaims claims,
    CallNumbers callNumbers,
    GenerationCancellations cancellations,
    ModelRateLimiter rateLimiter,
    JobParking parking,
    InferenceMetrics metrics,
    IOptions<InferenceOptions> options,
    ILogger<GenerateReplyConsumer> logger) : IConsumer<GenerateReply>
{
    public async Task Consume(ConsumeContext<GenerateReply> context)
    {
        var job = context.Message;
        var returning = JobParking.ReturnedFrom(context);
        // What this job's start needs from Redis is asked at once: one round trip instead of three before the model call.
        // The job may be handed to this message by the parked one it returned from, or taken back from the parked copy
        // its worker was creating when it died.
        var opening = streams.OpenAsync(job.GenerationId);
        var claiming = context.MessageId is { } messageId
            ? claims.TryClaimAsync(job.GenerationId, messageId, returning ?? GenerationClaims.ParkedId(messageId), GenerationClaims.ParkedId(messageId))
            : Task.FromResult(true);
        var cancelling = cancellations.ReasonAsync(job.GenerationId);
        await Task.WhenAll(opening, claiming, cancelling);
        var stream = await opening;
        if (stream.IsFinished)
        {
            // A redelivery after the end, e.g. because RabbitMQ went away as the result was published: announce the
            // result again from the stream (storing it is idempotent) rather than run the model a second time.
            logger.LogInformation("Generation {GenerationId} was already finished; announcing its result again instead of running it", job.GenerationId);
            if (await finishedAnswers.ReadAsync(job) is { } finished)
            {
                await context.PublishDurablyAsync(finished, logger);
            }
            return;
        }
        if (!await claiming)
        {
            logger.LogInformation("Generation {GenerationId} is held by another message (a copy ChatSocket published again, or one a hand-over left behind); dropping this one", job.GenerationId);
            return;
        }

        if (await cancelling is { } cancelledBeforeStart)
        {
            // Cancelled while queued: it never runs, and no model call is logged.
            logger.LogInformation("Generation {GenerationId} was {Reason} before it started; skipping", job.GenerationId, cancelledBeforeStart);
            await stream.EndAsync(cancelledBeforeStart, null, null, null);
            await context.PublishDurablyAsync(new ReplyFinished(job.GenerationId, job.ConversationId, job.ModelId, cancelledBeforeStart, "", 0,
                null, null, null, null, DateTimeOffset.UtcNow), logger);
            return;
        }

        var waited = DateTimeOffset.UtcNow - job.EnqueuedAt;
        var start = StartAnnouncement.Made();
        if (returning is null)
        {
            start = StartAnnouncement.For(new GenerationStarted(job.GenerationId, job.ConversationId, job.UserId, DateTimeOffset.UtcNow), started => context.Publish(started));
            metrics.JobStarted(job.Priority.ToString().ToLowerInvariant(), waited);
        }
        try
        {
            var running = RunAsync(context, stream, waited, start);
            await start.AnnounceUnlessEndedAsync(running, options.Value.StartAnnouncementDelay);
            await running;
        }
        finally
        {
            await start.Published;
        }
    }

    private async Task RunAsync(ConsumeContext<GenerateReply> context, GenerationStreamSession stream, TimeSpan waited, StartAnnouncement start)
    {
        var job = context.Message;
        // The consume span (MassTransit continues the turn's trace) says which job, model and how long it queued.
        Activity.Current?.SetTag("taskflow.generation_id", job.GenerationId)
            .SetTag("taskflow.job_kind", job.Kind.ToString().ToLowerInvariant())
            .SetTag("taskflow.queue.wait_ms", (long)waited.TotalMilliseconds)
            .SetTag("gen_ai.request.model", job.ModelId);
        models.TryGet(job.ModelId, out var model);
        GenerationOutcome? outcome;
        using (var running = cancellations.Register(job.GenerationId, context.CancellationToken))
        {
            outcome = model is null
                ? GenerationOutcome.Failed(ModelErrorClassifier.Describe(ErrorCodes.ModelNotFound), model: null)
                : await GenerateOrParkAsync(context, model, stream, running);
        }
        if (outcome is null)
        {
            // Parked: it comes back when its wait is over, and its slot is free meanwhile. It has started, and its
            // result may be far off.
            start.AnnounceNow();
            return;
        }

        // The answer's end goes to the user first; the records after it are for the chat schema and Telemetry.
        await stream.EndAsync(outcome.Status, outcome.InputTokens, outcome.OutputTokens, outcome.Error, outcome.FinishReason);
        Activity.Current?.SetTag("taskflow.status", outcome.Status)
            .SetTag("gen_ai.usage.input_tokens", outcome.InputTokens)
            .SetTag("gen_ai.usage.output_tokens", outcome.OutputTokens)
            .SetTag("error.type", outcome.Error?.Code);
        if (outcome.CalledModel || model is null)
        {
            await RecordCallAsync(context, model, outcome, retrying: false);
        }
        await context.PublishDurablyAsync(new ReplyFinished(
            job.GenerationId, job.ConversationId, job.ModelId, outcome.Status, outcome.Content, outcome.TokenCount,
            (int?)outcome.InputTokens, (int?)outcome.OutputTokens, outcome.Error?.Code, outcome.Error?.UserMessage, DateTimeOffset.UtcNow,
            start.TakeIntoResult()), logger);
    }

    /// <summary>
    /// Every model call is measured and becomes an inference record, including the ones that failed and were retried, so
    /// Telemetry shows what the model really did. A job that failed because its model is unknown is recorded too: the
    /// user asked for a call and it failed. Only the job's last call counts as a failure for good.
    /// </summary>
    private async Task RecordCallAsync(ConsumeContext<GenerateReply> context, ModelEntry? model, GenerationOutcome outcome, bool retrying)
    {
        var job = context.Message;
        var provider = model?.ProviderName ?? "unknown";
        metrics.CallEnded(job.ModelId, provider, outcome.Status, retrying ? null : outcome.Error?.Code,
            TimeSpan.FromMilliseconds(outcome.LatencyMs), outcome.TimeToFirstTokenMs is { } first ? TimeSpan.FromMilliseconds(first) : null, outcome.TokenCount);
        await context.PublishDurablyAsync(new InferenceCompleted(
            job.GenerationId, job.ConversationId, job.GenerationId, job.UserId, job.ModelId, provider,
            outcome.Status, outcome.LatencyMs, outcome.TimeToFirstTokenMs, (int?)outcome.InputTokens, (int?)outcome.OutputTokens,
            outcome.Error?.Code, outcome.ErrorDetail, Preview(LastUserText(job)), Preview(outcome.Content), outcome.StartedAt,
            outcome.Attempt), logger);
    }

    /// <summary>
    /// One model call, unless the model's rate limit is reached. Transient failures (rate limited, unavailable, timeout,
    /// unknown) are tried again with exponential backoff, in this worker rather than by MassTransit, so the client sees
    /// "retrying". Either wait happens parked, not in a slot. Null when the job was parked.
    /// </summary>
    private async Task<GenerationOutcome?> GenerateOrParkAsync(
        ConsumeContext<GenerateReply> context, ModelEntry model, GenerationStreamSession stream, RunningGeneration running)
    {
        var job = context.Message;
        var attempt = JobParking.Attempt(context);
        // Together, in one round trip: the start entry, a permit, the cancel check that covers a cancel sent between
        // the first check and the registration, and the call's number (given back below when no call follows).
        var starting = stream.AnswerPending ? Task.CompletedTask : stream.StartAsync(restarted: stream.WasStarted || attempt > 1);
        var permitting = rateLimiter.TryAcquireAsync(model);
        var cancelling = cancellations.ReasonAsync(job.GenerationId);
        var numbering = callNumbers.NextAsync(job.GenerationId);
        await Task.WhenAll(starting, permitting, cancelling, numbering);
        if (await cancelling is { } reason)
        {
            // The job ends here, so the number it took is never followed by another call.
            return new GenerationOutcome(reason, "", 0, null, null, null, null, DateTimeOffset.UtcNow, 0, null);
        }
        if (await permitting is { } throttled && throttled > TimeSpan.Zero)
        {
            // It comes back for this number: a number skipped would look like a call made and never logged.
            await callNumbers.GiveBackAsync(job.GenerationId);
            await stream.ThrottledAsync(throttled);
            await parking.ParkAsync(context, throttled, attempt);
            return null;
        }

        var call = await numbering;
        GenerationOutcome outcome;
        try
        {
            outcome = await GenerateAsync(model, job, stream, running, context.CancellationToken) with { Attempt = call, CalledModel = true };
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // Abandoned, not failed, so no inference record: said here, or the next call's number would skip one unexplained.
            logger.LogWarning("Generation {GenerationId}: Redis failed during model call {Call} ({Message}); the job runs again once Redis answers",
                job.GenerationId, call, ex.Message);
            throw;
        }
        if (outcome.Error is not { IsTransient: true } error || attempt > options.Value.MaxRetries)
        {
            return outcome;
        }

        await RecordCallAsync(context, model, outcome, retrying: true);
        var delay = options.Value.RetryDelay(attempt);
        logger.LogWarning("Generation {GenerationId} attempt {Attempt} failed with {Code}; retrying in {Delay}",
            job.GenerationId, attempt, error.Code, delay);
        await stream.RetryAsync(attempt, delay, error.Code);
        metrics.Retried(model.Id, error.Code);
        await parking.ParkAsync(context, delay, attempt + 1);
        return null;
    }

    private async Task<GenerationOutcome> GenerateAsync(
        ModelEntry model, GenerateReply job, GenerationStreamSession stream, RunningGeneration running, CancellationToken consumeToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        long? firstToken = null;
        var content = new StringBuilder();
        var tokens = 0;
        UsageDetails? usage = null;
        ChatFinishReason? finishReason = null;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(running.Token);
        timeout.CancelAfter(options.Value.GenerationTimeout);
        try
        {
            var prompt = job.Prompt.Select(turn => new ChatMessage(new ChatRole(turn.Role), turn.Content)).ToList();
            await foreach (var update in model.Client.GetStreamingResponseAsync(prompt, GenerationChatOptions.For(model.Definition, job.Options), timeout.Token))
            {
                usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
                finishReason = update.FinishReason ?? finishReason;
                if (string.IsNullOrEmpty(update.Text))
                {
                    continue;
                }
                firstToken ??= clock.ElapsedMilliseconds;
                // What the model wrote is kept whatever it is; only what PostgreSQL cannot hold as text is replaced.
                var text = StorableText.Mend(update.Text);
                content.Append(text);
                tokens++;
                await stream.AppendTokenAsync(text);
            }
            // A write of the last tokens that failed is Redis failing during the call, as one mid-answer is.
            await stream.TokensWrittenAsync();
            // Some clients end the stream quietly when their token is cancelled instead of throwing.
            consumeToken.ThrowIfCancellationRequested();
            timeout.Token.ThrowIfCancellationRequested();
            if (finishReason == ChatFinishReason.ContentFilter)
            {
                // The provider's filter cut the answer off without an error status: what arrived is not the answer.
                logger.LogWarning("Generation {GenerationId} on {Model} was stopped by the provider's content filter", job.GenerationId, model.Id);
                return new GenerationOutcome(GenerationStatus.Failed, content.ToString(), tokens, usage?.InputTokenCount, usage?.OutputTokenCount ?? tokens,
                    ModelErrorClassifier.Describe(ErrorCodes.ContentBlocked), "finish_reason: content_filter", started, clock.ElapsedMilliseconds, firstToken);
            }
            if (finishReason is null && !model.Definition.AllowMissingFinishReason)
            {
                // Ollama and OpenAI end a finished answer with a reason. Without one the answer was cut off: Ollama reports
                // a crashed model runner as an {"error"} line its client skips, and a dropped connection can end cleanly.
                logger.LogWarning("Generation {GenerationId} on {Model} ended without a finish reason after {Tokens} tokens", job.GenerationId, model.Id, tokens);
                return new GenerationOutcome(GenerationStatus.Failed, content.ToString(), tokens, usage?.InputTokenCount, usage?.OutputTokenCount ?? tokens,
                    ModelErrorClassifier.Describe(ErrorCodes.Abort), "the model's stream ended without a finish reason", started, clock.ElapsedMilliseconds, firstToken);
            }
            return new GenerationOutcome(GenerationStatus.Completed, content.ToString(), tokens, usage?.InputTokenCount, usage?.OutputTokenCount ?? tokens,
                null, null, started, clock.ElapsedMilliseconds, firstToken)
            {
                FinishReason = GenerationChatOptions.FinishReason(finishReason, (int)(usage?.OutputTokenCount ?? tokens), job.Options),
            };
        }
        catch (OperationCanceledException) when (consumeToken.IsCancellationRequested)
        {
            // The worker is stopping: give the job back to the queue so another worker answers it from the start.
            throw;
        }
        catch (OperationCanceledException) when (running.Reason is { } reason)
        {
            return new GenerationOutcome(reason, content.ToString(), tokens, usage?.InputTokenCount, tokens,
                null, null, started, clock.ElapsedMilliseconds, firstToken);
        }
        catch (Exception ex) when (!RedisFailure.Is(ex))
        {
            var error = timeout.IsCancellationRequested
                ? ModelErrorClassifier.Describe(ErrorCodes.Timeout)
                : ModelErrorClassifier.Classify(ex);
            logger.LogWarning(ex, "Generation {GenerationId} on {Model} failed: {Code}", job.GenerationId, model.Id, error.Code);
            return new GenerationOutcome(GenerationStatus.Failed, content.ToString(), tokens, usage?.InputTokenCount, usage?.OutputTokenCount ?? tokens,
                error, ex.Message, started, clock.ElapsedMilliseconds, firstToken);
        }
    }

    private string Preview(string text) =>
        text.Length <= options.Value.PreviewLength ? text : text[..options.Value.PreviewLength];

    private static string LastUserText(GenerateReply job) =>
        job.Prompt.LastOrDefault(turn => turn.Role == ChatRole.User.Value)?.Content ?? "";
}
