using TaskFlow.Contracts.Chat;
using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Maps whatever a provider threw to the seed's error table (<see cref="ModelError"/>).
/// </summary>
/// <remarks>
/// What the clients really throw (checked against OllamaSharp 5.5 and the OpenAI SDK through Microsoft.Extensions.AI):
/// <list type="bullet">
/// <item>OllamaSharp: HTTP 400 → <c>OllamaException</c> with the server's <c>{"error": "…"}</c> text and no status;
/// any other failure status → <c>HttpRequestException</c> from <c>EnsureSuccessStatusCode</c> with
/// <c>StatusCode</c> set but the body dropped, so for Ollama the status is all there is.</item>
/// <item>OpenAI-compatible: <c>ClientResultException</c> with <c>Status</c>; its message carries the error's type,
/// code and text ("HTTP 429 (insufficient_quota: insufficient_quota) You exceeded your current quota…").</item>
/// <item>No server: <c>HttpRequestException</c> with <c>HttpRequestError.ConnectionError</c> around a
/// <c>SocketException</c>; an <c>HttpClient.Timeout</c> is a <c>TaskCanceledException</c> around a
/// <c>TimeoutException</c>.</item>
/// </list>
/// The status decides where it is unambiguous; words decide the rest, and split the statuses that mean several things
/// (429 is both a rate limit and an exhausted quota; 400 and 403 are also what content filters answer). An HTTP 500
/// says only that the server failed, so it stays UNKNOWN unless its words say more. Numbers in words are matched
/// as whole numbers only: a port or a request id containing "503" is not an outage.
/// </remarks>
public static partial class ModelErrorClassifier
{
    public static ModelError Classify(Exception exception)
    {
        if (exception is OperationCanceledException && !Chain(exception).Any(e => e is TimeoutException))
        {
            // Cancelled, but not by TaskFlow (the consumer handles its own stops before classifying): the model call was
            // cut off underneath, which is worth another try.
            return Describe(ErrorCodes.Abort);
        }
        if (Chain(exception).Any(e => e is TimeoutException || e.GetType().Name == "TimeoutRejectedException"
            || e is SocketException { SocketErrorCode: SocketError.TimedOut }))
        {
            return Describe(ErrorCodes.Timeout);
        }

        var text = string.Join(" | ", Chain(exception).Select(e => e.Message));
        return Describe(StatusOf(exception) switch
        {
            { } status => ByStatus(status, text),
            null => ByWords(text) ?? (IsConnectionFailure(exception) ? ErrorCodes.ServiceUnavailable : ErrorCodes.Unknown),
        });
    }

    public static ModelError Describe(string code) => code switch
    {
        ErrorCodes.RateLimited => new(code, "You've exceeded the model's rate limit. Wait a minute and send your message again, or pick another model.", true),
        ErrorCodes.QuotaExceeded => new(code, "You've hit the usage quota for this model. Check the provider account's plan and billing, or pick another model.", false),
        ErrorCodes.ModelNotFound => new(code, "This model is not available on the model server. Pick another model, or ask the administrator to install it (for Ollama: ollama pull <model>).", false),
        ErrorCodes.PermissionDenied => new(code, "The model server refused TaskFlow's API key (invalid, or without access to this model). Ask the administrator to check the key, or pick another model.", false),
        ErrorCodes.ServiceUnavailable => new(code, "The AI service is temporarily unavailable. Try again in a moment; if it persists, check that the model server is running.", true),
        ErrorCodes.Timeout => new(code, "The request timed out before the model answered. Try again, perhaps with a shorter message.", true),
        ErrorCodes.ContentBlocked => new(code, "The response was blocked by the provider's content safety filter. Rephrase your message and try again.", false),
        ErrorCodes.Abort => new(code, "The model stopped before the answer was finished. Try again; if it keeps happening, check the model server's log.", true),
        _ => new(ErrorCodes.Unknown, "Something went wrong while generating the answer. Please try again.", true),
    };

    private static string ByStatus(int status, string text) => status switch
    {
        // OpenAI answers an exhausted quota with 429 too; only the words tell it from a rate limit.
        429 => Quota().IsMatch(text) ? ErrorCodes.QuotaExceeded : ErrorCodes.RateLimited,
        402 => ErrorCodes.QuotaExceeded,
        // OpenRouter answers flagged input with 403, Azure OpenAI a filtered prompt with 400.
        401 or 403 => ContentFilter().IsMatch(text) ? ErrorCodes.ContentBlocked : ErrorCodes.PermissionDenied,
        404 => ErrorCodes.ModelNotFound,
        408 or 504 or 524 => ErrorCodes.Timeout,
        502 or 503 or 529 => ErrorCodes.ServiceUnavailable,
        // A server error's words may say it was busy or slow; anything else in them (a "permission denied" on the
        // server's own files, say) is the server's problem, not the user's key or model.
        >= 500 => ServerWords(text) ?? ErrorCodes.Unknown,
        _ => ByWords(text) ?? ErrorCodes.Unknown,
    };

    /// <summary>The seed's trigger patterns, most specific first (a quota message also says "429"; a missing model "or you do not have access").</summary>
    private static string? ByWords(string text) =>
        Quota().IsMatch(text) ? ErrorCodes.QuotaExceeded
        : RateLimit().IsMatch(text) ? ErrorCodes.RateLimited
        : ModelMissing().IsMatch(text) ? ErrorCodes.ModelNotFound
        : ContentFilter().IsMatch(text) ? ErrorCodes.ContentBlocked
        : Permission().IsMatch(text) ? ErrorCodes.PermissionDenied
        : TimedOut().IsMatch(text) ? ErrorCodes.Timeout
        : Unavailable().IsMatch(text) ? ErrorCodes.ServiceUnavailable
        : null;

    private static string? ServerWords(string text) =>
        RateLimit().IsMatch(text) ? ErrorCodes.RateLimited
        : TimedOut().IsMatch(text) ? ErrorCodes.Timeout
        : Unavailable().IsMatch(text) ? ErrorCodes.ServiceUnavailable
        : null;

    private static int? StatusOf(Exception exception)
    {
        foreach (var current in Chain(exception))
        {
            switch (current)
            {
                case HttpRequestException { StatusCode: { } code }:
                    return (int)code;
                case ClientResultException { Status: > 0 } result:
                    return result.Status;
            }
        }
        return null;
    }

    /// <summary>No answer at all: nothing listening, no route, the connection dropped. Checked by kind, not by (localized) words.</summary>
    private static bool IsConnectionFailure(Exception exception) => Chain(exception).Any(e => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError or HttpRequestError.ResponseEnded } => true,
        HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } => true,
        SocketException => true,
        _ => false,
    });

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException { InnerExceptions.Count: > 1 } aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.Skip(1).SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    [GeneratedRegex(@"insufficient_quota|quota|billing|payment|credits|out of credit", RegexOptions.IgnoreCase)]
    private static partial Regex Quota();

    [GeneratedRegex(@"\b429\b|rate[ _-]?limit|resource_exhausted|too many requests", RegexOptions.IgnoreCase)]
    private static partial Regex RateLimit();

    [GeneratedRegex(@"model\b[^|]{0,100}\b(not found|does not exist)|not found, try pulling|model_not_found|no such model|unknown model|not a valid model|invalid model", RegexOptions.IgnoreCase)]
    private static partial Regex ModelMissing();

    [GeneratedRegex(@"safety|content[ _-]?(filter|policy|management)|moderation|flagged|responsible ?ai", RegexOptions.IgnoreCase)]
    private static partial Regex ContentFilter();

    [GeneratedRegex(@"api[ _-]?key|unauthori[sz]ed|unauthenticated|authentication|forbidden|permission|access denied|\b40[13]\b", RegexOptions.IgnoreCase)]
    private static partial Regex Permission();

    [GeneratedRegex(@"time[ d]?out|timed out|deadline[ _]exceeded", RegexOptions.IgnoreCase)]
    private static partial Regex TimedOut();

    [GeneratedRegex(@"\b50[23]\b|\b529\b|overloaded|unavailable|server (is )?busy|bad gateway|connection refused|no connection could be made|econnrefused", RegexOptions.IgnoreCase)]
    private static partial Regex Unavailable();
}
