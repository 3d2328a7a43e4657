using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.ApiKeys;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Turns;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> (and the model list, <see cref="OpenAiModelsApi"/>) for existing OpenAI clients and SDKs. Requests go
/// through the same queue as the chat (priority, fairness, retries, rate limits, logs, metrics) as jobs of kind
/// "completion", which no conversation holds: the client sends its whole prompt each time.
/// </summary>
public static class ChatCompletionsApi
{
    public const string Policy = "api-key";

    public static void AddChatCompletionsAuthorization(this AuthorizationOptions options) =>
        options.AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(OpenAiErrors.PathPrefix).WithTags("OpenAI-compatible").RequireAuthorization(Policy);
        api.MapPost("/chat/completions", CompleteAsync).WithSummary("OpenAI-compatible chat completion, streaming or not, through TaskFlow's queue.");
        api.MapOpenAiModels();
        return app;
    }

    private static async Task CompleteAsync(
        HttpContext http, TurnSubmitter submitter, ModelCatalogReader catalog, GenerationRelays relays, AnswerOutcomes outcomes,
        IOptions<ChatOptions> settings, TimeProvider clock)
    {
        var (request, invalid) = await CompletionRequestReader.ReadAsync(http, settings.Value);
        if (invalid is not null)
        {
            await OpenAiErrors.InvalidAsync(http, invalid.Param, invalid.Code, invalid.Message, invalid.Status);
            return;
        }
        var choice = await catalog.ChooseAsync(request!.Model);
        if (choice.Model is not { } model)
        {
            // The catalog's own message would list models /v1 does not offer (those whose server is down).
            var message = request.Model is null
                ? choice.Error!
                : $"The model '{OpenAiModelsApi.Named(request.Model)}' does not exist here. Use {OpenAiModelsApi.Choices(await catalog.ListAsync())}.";
            await OpenAiErrors.InvalidAsync(http, "model", "model_not_found", message, StatusCodes.Status404NotFound);
            return;
        }
        if (!model.IsReachable)
        {
            // Queueing it would only wait for the model call to time out against a server known to be down.
            await OpenAiErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable,
                OpenAiModelsApi.Unreachable(model, await catalog.ListAsync()), OpenAiErrors.ServerError, "model_unavailable", "model");
            return;
        }

        var job = await submitter.SubmitDetachedAsync(CurrentUser.IdOf(http), model.Id, request.Priority, JobKind.Completion, request.Turns,
            http.RequestAborted, request.Options);
        if (job.Error is { } error)
        {
            // Too many of the user's jobs open is theirs to wait out, as OpenAI's 429s are; the rest is TaskFlow unavailable.
            var (status, type) = error.Code == ErrorCodes.TooManyJobs
                ? (StatusCodes.Status429TooManyRequests, "rate_limit_error")
                : (StatusCodes.Status503ServiceUnavailable, OpenAiErrors.ServerError);
            await OpenAiErrors.WriteAsync(http, status, error.Message, type, error.Code.ToLowerInvariant());
            return;
        }

        var generationId = job.Generation!.Id;
        var writer = new CompletionWriter(http, $"chatcmpl-{generationId:N}", model.Id, clock.GetUtcNow().ToUnixTimeSeconds(),
            request.Stream, request.IncludeUsage);
        // The relay every adapter follows a generation with; API clients get tokens as they come, unpaced.
        var events = new CompletionEvents();
        var relay = relays.Start(generationId, afterSequence: 0, events, paced: false, async (finished, end) =>
            events.Finish(await outcomes.FinishedAsync(finished, Guid.Empty, model.Id, end), end), http.RequestAborted);
        try
        {
            await foreach (var serverEvent in events.ReadAllAsync(http.RequestAborted))
            {
                switch (serverEvent)
                {
                    case AiStart { Restarted: true }:
                        writer.Restart();
                        break;
                    case AiToken token when !await writer.TokenAsync(token.Token):
                        var abandoned = await outcomes.AbandonDivergedRetryAsync(relay);
                        await writer.FailAsync(StatusCodes.Status502BadGateway, abandoned, OpenAiErrors.ServerError,
                            ErrorCodes.RetryDiverged.ToLowerInvariant());
                        return;
                    case AiError failure:
                        await writer.FailAsync(StatusCodes.Status503ServiceUnavailable, failure.Error, OpenAiErrors.ServerError, failure.Code.ToLowerInvariant());
                        return;
                }
            }
            if (events.Result is { } result)
            {
                await EndAsync(writer, result.Reply, result.End);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: stop the model call rather than generate for nobody, and keep what it was sent.
            await outcomes.StopAsync(relay, Guid.Empty, model.Id, GenerationControl.ReasonCancelled);
        }
        finally
        {
            await relay.StopAsync();
        }
    }

    private static async Task EndAsync(CompletionWriter writer, ReplyFinished reply, TokenStreamEntry end)
    {
        if (end.ErrorCode == ErrorCodes.ContentBlocked)
        {
            // OpenAI's own way: the answer ends (possibly empty) with finish_reason content_filter.
            await writer.FinishAsync(end.InputTokens ?? 0, end.OutputTokens ?? reply.TokenCount, "content_filter");
        }
        else if (end.Status == GenerationStatus.Failed)
        {
            var (status, type) = ErrorShape(end.ErrorCode);
            await writer.FailAsync(status, end.ErrorMessage ?? "The model call failed.", type, end.ErrorCode?.ToLowerInvariant());
        }
        else
        {
            await writer.FinishAsync(end.InputTokens ?? 0, end.OutputTokens ?? reply.TokenCount, end.FinishReason ?? GenerationOptions.FinishReasons.Stop);
        }
    }

    /// <summary>TaskFlow's error codes as the HTTP status and error type OpenAI clients expect.</summary>
    private static (int Status, string Type) ErrorShape(string? code) => code switch
    {
        ErrorCodes.RateLimited or ErrorCodes.QuotaExceeded => (429, "rate_limit_error"),
        ErrorCodes.ModelNotFound => (404, "invalid_request_error"),
        ErrorCodes.Timeout => (504, "server_error"),
        ErrorCodes.ServiceUnavailable or ErrorCodes.PermissionDenied => (503, "server_error"),
        _ => (500, "server_error"),
    };
}
