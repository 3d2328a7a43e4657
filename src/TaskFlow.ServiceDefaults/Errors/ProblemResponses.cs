using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Every error a service answers is RFC 7807 problem details, in every environment: an exception becomes a 500 that
/// reveals nothing of the code, a request the framework could not bind (bad JSON, <c>limit=abc</c>, the wrong content
/// type) a 400 or 415 saying what to fix, and an empty 4xx/5xx (404, 405…) gets a body saying what it means.
/// </summary>
public static class ProblemResponses
{
    /// <summary>The OpenAI-compatible API answers in OpenAI's error shape, written by that API itself: left alone here.</summary>
    public const string OpenAiPathPrefix = "/v1";

    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= NextStep(context.ProblemDetails.Status, context.HttpContext.Request));
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<DependencyOutageHandler>();
        // Minimal APIs answer a binding failure with an empty 400 outside Development; thrown, the handler can say what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>First in the pipeline, so it covers everything after it.</summary>
    public static IApplicationBuilder UseProblemResponses(this IApplicationBuilder app) =>
        app.UseWhen(context => !context.Request.Path.StartsWithSegments(OpenAiPathPrefix), branch =>
        {
            branch.UseExceptionHandler();
            branch.UseStatusCodePages();
        });

    /// <summary>What an otherwise empty error means for the caller, and what to do about it.</summary>
    private static string? NextStep(int? status, HttpRequest request) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is malformed: check its path, query and body against the API description.",
        StatusCodes.Status401Unauthorized => "Sign in first: open the TaskFlow page and sign in, then try again.",
        StatusCodes.Status403Forbidden => "You are not allowed to do this.",
        StatusCodes.Status404NotFound => $"Nothing is at {request.Path}: check the address.",
        StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}: the Allow header lists the methods it does accept.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
        StatusCodes.Status429TooManyRequests => "Too many requests: wait a little and try again.",
        >= 500 => "The server could not complete the request: try again in a moment; if it keeps happening, give the operator the traceId.",
        _ => null,
    };

    /// <summary>
    /// Redis or PostgreSQL away (a restart, a failover): the request may well work in a moment, so it is a 503 that
    /// says so with Retry-After, not a 500 that reads like a bug.
    /// </summary>
    private sealed class DependencyOutageHandler(IProblemDetailsService problems, ILogger<DependencyOutageHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not (StackExchange.Redis.RedisException or System.Data.Common.DbException or Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException))
            {
                return false;
            }
            logger.LogWarning("A request failed because a store is unreachable: {Message}", exception.Message);
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = "5";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Briefly unavailable",
                    Detail = "A store TaskFlow depends on is unreachable right now (it may be restarting): try again in a few seconds.",
                },
            });
        }
    }

    /// <summary>A request the framework could not read: its status (400, 415, 413…) and what to fix, never a stack trace.</summary>
    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            logger.LogDebug(exception, "Refused a request that could not be read: {Reason}", bad.Message);
            httpContext.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Unsupported media type" : "The request could not be read",
                    Detail = Describe(bad),
                },
            });
        }

        private static string Describe(BadHttpRequestException bad) => bad.InnerException switch
        {
            _ when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
                $"{bad.Message} Send the body as JSON with 'Content-Type: application/json'.",
            JsonException { Path: { Length: > 0 } path } =>
                $"The request body is not the JSON this endpoint expects: check the value at {path} (its type or syntax). The API is described at /openapi/chatsocket.json.",
            JsonException =>
                "The request body is not valid JSON: send a JSON object as described at /openapi/chatsocket.json.",
            // Kestrel's and the binder's own words say which parameter or header is wrong ("Failed to bind parameter
            // \"int limit\" from \"abc\"."); they carry no internals.
            _ => bad.Message,
        };
    }
}
