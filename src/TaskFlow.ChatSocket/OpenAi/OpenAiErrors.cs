using Microsoft.AspNetCore.Diagnostics;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// Every error under <c>/v1</c> in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, including the ones
/// no endpoint writes (an unknown path, a wrong method, an exception), because OpenAI SDKs read the error from the body
/// and can only say "no body" otherwise.
/// </summary>
public static class OpenAiErrors
{
    public const string PathPrefix = "/v1";

    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    public static Task WriteAsync(HttpContext http, int status, string message, string type, string? code, string? param = null)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new OpenAiError(new OpenAiErrorBody(message, type, param, code)), OpenAiJson.Options);
    }

    public static Task InvalidAsync(HttpContext http, string? param, string code, string message, int status = StatusCodes.Status400BadRequest) =>
        WriteAsync(http, status, message, InvalidRequest, code, param);

    /// <summary>Gives the errors of <c>/v1</c> that no endpoint wrote a body for OpenAI's shape.</summary>
    public static IApplicationBuilder UseOpenAiErrorShape(this IApplicationBuilder app) =>
        app.UseWhen(http => http.Request.Path.StartsWithSegments(PathPrefix), branch =>
        {
            branch.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ExceptionAsync });
            branch.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = context => StatusAsync(context.HttpContext) });
        });

    private static Task ExceptionAsync(HttpContext http) =>
        WriteAsync(http, StatusCodes.Status500InternalServerError,
            "TaskFlow failed to handle the request. Try again; if it keeps failing, the service's log says why.", ServerError, "internal_error");

    private static Task StatusAsync(HttpContext http)
    {
        var request = http.Request;
        return http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => WriteAsync(http, 404,
                $"Unknown URL ({request.Method} {request.Path}). TaskFlow serves POST /v1/chat/completions, GET /v1/models and GET /v1/models/{{model}}.",
                InvalidRequest, "unknown_url"),
            StatusCodes.Status405MethodNotAllowed => WriteAsync(http, 405,
                $"{request.Method} is not allowed on {request.Path}; use {(http.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? allow : "another method")}.",
                InvalidRequest, "method_not_allowed"),
            var status => WriteAsync(http, status, $"The request failed with HTTP {status}.",
                status >= 500 ? ServerError : InvalidRequest, $"http_{status}"),
        };
    }
}
