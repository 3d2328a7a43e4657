using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using TaskFlow.ChatSocket.ApiKeys;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.Contracts.Chat;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>GET /v1/models</c> for existing OpenAI clients and SDKs. Requests go
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
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible").RequireAuthorization(Policy);
        api.MapPost("/chat/completions", CompleteAsync).WithSummary("OpenAI-compatible chat completion, streaming or not, through TaskFlow's queue.");
        api.MapGet("/models", ModelsAsync).WithSummary("OpenAI-compatible model list: the models the workers serve.");
        return app;
    }

    private static async Task ModelsAsync(HttpContext http, ModelCatalogReader catalog)
    {
        var models = await catalog.ListAsync();
        await http.Response.WriteAsJsonAsync(
            new ModelListing("list", [.. models.Select(m => new ModelCard(m.Id, "model", m.SeenAt.ToUnixTimeSeconds(), m.Provider))]),
            OpenAiJson.Options);
    }

    private static async Task CompleteAsync(
        HttpContext http, TurnSubmitter submitter, ModelCatalogReader catalog, TokenStreamReader streams,
        ConversationStore store, GenerationCanceller canceller, TimeProvider clock)
    {
        ChatCompletionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<ChatCompletionRequest>(http.Request.Body, OpenAiJson.Options, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(http, 400, $"The request body is not valid JSON: {ex.Message}", "invalid_request_error", null);
            return;
        }

        var turns = new List<ChatTurn>();
        foreach (var message in request?.Messages ?? [])
        {
            var role = message.Role is "developer" ? "system" : message.Role;
            if (role is not ("system" or "user" or "assistant") || message.Text() is not { } text)
            {
                await ErrorAsync(http, 400, "Each message needs a role (system, developer, user or assistant) and text content.", "invalid_request_error", null);
                return;
            }
            turns.Add(new ChatTurn(role, text));
        }
        if (turns.Count == 0 || turns.All(t => t.Role != "user"))
        {
            await ErrorAsync(http, 400, "'messages' must contain at least one user message.", "invalid_request_error", null);
            return;
        }
        if (!JobPriorities.TryParse(request!.Priority ?? http.Request.Headers["X-TaskFlow-Priority"].FirstOrDefault(), out var priority))
        {
            await ErrorAsync(http, 400, "priority must be high, medium or low.", "invalid_request_error", null);
            return;
        }
        var choice = await catalog.ChooseAsync(request.Model);
        if (choice.Model is not { } model)
        {
            await ErrorAsync(http, 404, choice.Error!, "invalid_request_error", "model_not_found");
            return;
        }

        var job = await submitter.SubmitDetachedAsync(CurrentUser.IdOf(http), model.Id, priority, JobKind.Completion, turns, http.RequestAborted);
        if (job.Error is { } error)
        {
            await ErrorAsync(http, 503, error.Message, "server_error", error.Code.ToLowerInvariant());
            return;
        }

        var generationId = job.Generation!.Id;
        var writer = new CompletionWriter(http, $"chatcmpl-{generationId:N}", model.Id, clock.GetUtcNow().ToUnixTimeSeconds(),
            request.Stream, request.StreamOptions?.IncludeUsage == true);
        try
        {
            await foreach (var entry in streams.ReadAsync(generationId, http.RequestAborted))
            {
                switch (entry.Kind)
                {
                    case TokenStreamKeys.Kinds.Start:
                        writer.Restart();
                        break;
                    case TokenStreamKeys.Kinds.Token:
                        if (!await writer.TokenAsync(entry.Text))
                        {
                            await AbandonDivergedRetryAsync(generationId, model.Id, writer, store, canceller, clock);
                            return;
                        }
                        break;
                    case TokenStreamKeys.Kinds.End:
                        await store.SaveReplyAsync(new ReplyFinished(generationId, Guid.Empty, model.Id, entry.Status, writer.Content, writer.Tokens,
                            (int?)entry.InputTokens, (int?)entry.OutputTokens, entry.ErrorCode, entry.ErrorMessage, clock.GetUtcNow()), CancellationToken.None);
                        if (entry.ErrorCode == ContentBlocked)
                        {
                            // OpenAI's own way: the answer ends (possibly empty) with finish_reason content_filter.
                            await writer.FinishAsync(entry.InputTokens ?? 0, entry.OutputTokens ?? writer.Tokens, "content_filter");
                        }
                        else if (entry.Status == GenerationStatus.Failed)
                        {
                            var (status, type) = ErrorShape(entry.ErrorCode);
                            await writer.FailAsync(status, entry.ErrorMessage ?? "The model call failed.", type, entry.ErrorCode?.ToLowerInvariant());
                        }
                        else
                        {
                            await writer.FinishAsync(entry.InputTokens ?? 0, entry.OutputTokens ?? writer.Tokens);
                        }
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: stop the model call rather than generate for nobody.
            await canceller.CancelAsync(generationId, GenerationControl.ReasonCancelled);
        }
    }

    /// <summary>
    /// The model failed mid-answer and its retry began differently from what the client already streamed. Stops the
    /// call, stores what the client got as failed, and tells the client to ask again.
    /// </summary>
    private static async Task AbandonDivergedRetryAsync(
        Guid generationId, string modelId, CompletionWriter writer, ConversationStore store, GenerationCanceller canceller, TimeProvider clock)
    {
        const string code = "RETRY_DIVERGED";
        const string message = "The model failed mid-answer and its retry answered differently from the text already sent; send the request again.";
        await canceller.CancelAsync(generationId, GenerationControl.ReasonCancelled);
        await store.SaveReplyAsync(new ReplyFinished(generationId, Guid.Empty, modelId, GenerationStatus.Failed, writer.SentContent, writer.Tokens,
            null, null, code, message, clock.GetUtcNow()), CancellationToken.None);
        await writer.FailAsync(502, message, "server_error", code.ToLowerInvariant());
    }

    private const string ContentBlocked = "CONTENT_BLOCKED";

    /// <summary>TaskFlow's error codes as the HTTP status and error type OpenAI clients expect.</summary>
    private static (int Status, string Type) ErrorShape(string? code) => code switch
    {
        "RATE_LIMITED" or "QUOTA_EXCEEDED" => (429, "rate_limit_error"),
        "MODEL_NOT_FOUND" => (404, "invalid_request_error"),
        "TIMEOUT" => (504, "server_error"),
        "SERVICE_UNAVAILABLE" or "PERMISSION_DENIED" => (503, "server_error"),
        _ => (500, "server_error"),
    };

    internal static Task ErrorAsync(HttpContext http, int status, string message, string type, string? code)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new OpenAiError(new OpenAiErrorBody(message, type, code)), OpenAiJson.Options);
    }
}
