using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace TaskFlow.Telemetry.Stats;

/// <summary>
/// Read side of Telemetry: <c>GET /api/stats?windowMinutes=60&amp;scope=all|mine</c> (aggregates over a window, with the
/// caller's recent calls) and
/// <c>GET /api/stats/recent?limit=50</c> (the newest calls, any age). Served to the gateway's /api/stats route.
/// </summary>
public static class StatsApi
{
    private static string UserIdOf(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Stats require a signed-in user.");

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stats").WithTags("Stats").RequireAuthorization();
        api.MapGet("", GetStatsAsync);
        api.MapGet("/recent", GetRecentAsync);
        return app;
    }

    public static async Task<Results<Ok<StatsResponse>, ValidationProblem>> GetStatsAsync(
        [FromQuery] string? windowMinutes,
        [FromQuery] string? scope,
        StatsQueries queries,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (!StatsRequest.TryParseWindow(windowMinutes, out var window, out var error))
        {
            return Invalid(nameof(windowMinutes), error);
        }
        if (scope is not (null or "all" or "mine"))
        {
            return Invalid(nameof(scope), "scope must be \"all\" (the whole deployment, the default) or \"mine\" (only your own calls).");
        }

        return TypedResults.Ok(await queries.GetStatsAsync(window, StatsRequest.DefaultRecentLimit, UserIdOf(user), scope == "mine", cancellationToken));
    }

    public static async Task<Results<Ok<RecentResponse>, ValidationProblem>> GetRecentAsync(
        [FromQuery] string? limit,
        StatsQueries queries,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        if (!StatsRequest.TryParseLimit(limit, out var count, out var error))
        {
            return Invalid(nameof(limit), error);
        }

        return TypedResults.Ok(new RecentResponse(count, await queries.GetRecentAsync(since: null, count, UserIdOf(user), cancellationToken)));
    }

    private static ValidationProblem Invalid(string parameter, string? error) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [parameter] = [error ?? $"{parameter} is not valid."] },
            detail: error,
            title: "Invalid query parameter");
}
