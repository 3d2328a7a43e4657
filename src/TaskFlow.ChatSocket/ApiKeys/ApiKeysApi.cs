using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using TaskFlow.ChatSocket.Api;
using TaskFlow.ChatSocket.Identity;

namespace TaskFlow.ChatSocket.ApiKeys;

/// <summary>Managing one's own API keys (signed in with the site cookie). A key's secret is returned only once.</summary>
public static class ApiKeysApi
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/keys").WithTags("API keys").RequireAuthorization();
        api.MapGet("/", ListAsync).WithSummary("The caller's API keys (never their secrets).");
        api.MapPost("/", CreateAsync).WithSummary("Creates a key for the OpenAI-compatible API; the response holds the secret, shown this once.");
        api.MapDelete("/{id:guid}", RevokeAsync).WithSummary("Revokes a key at once.");
        return app;
    }

    private static async Task<Ok<List<ApiKeyView>>> ListAsync(HttpContext http, ApiKeyService keys, CancellationToken cancellationToken) =>
        TypedResults.Ok((await keys.ListAsync(CurrentUser.IdOf(http), cancellationToken))
            .Select(k => new ApiKeyView(k.Id, k.Name, k.Prefix + "…", k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToList());

    private static async Task<Results<Created<CreatedApiKey>, BadRequest<ProblemMessage>>> CreateAsync(
        NewApiKey request, HttpContext http, ApiKeyService keys, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return TypedResults.BadRequest(new ProblemMessage(false, "Give the key a name of 1 to 100 characters, e.g. \"laptop script\"."));
        }
        if (await keys.CreateAsync(CurrentUser.IdOf(http), name, cancellationToken) is not { } created)
        {
            return TypedResults.BadRequest(new ProblemMessage(false, $"You already have {ApiKeyService.MaxKeysPerUser} keys; revoke one first."));
        }
        return TypedResults.Created($"/api/keys/{created.Key.Id}", new CreatedApiKey(created.Key.Id, created.Key.Name, created.Secret, created.Key.CreatedAt));
    }

    private static async Task<Results<NoContent, NotFound<ProblemMessage>>> RevokeAsync(Guid id, HttpContext http, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(CurrentUser.IdOf(http), id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound(new ProblemMessage(false, "No such active key."));
}

public sealed record NewApiKey([property: MaxLength(100)] string? Name);

public sealed record ApiKeyView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedApiKey(Guid Id, string Name, string Key, DateTimeOffset CreatedAt);
