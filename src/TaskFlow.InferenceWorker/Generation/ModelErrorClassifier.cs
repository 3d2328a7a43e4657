using System.ClientModel;
using System.Net;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// Maps whatever a provider threw to the seed's error table. Status codes are trusted first; the message
/// patterns catch providers that only say it in words (Ollama, OpenRouter, Gemini-style RESOURCE_EXHAUSTED).
/// </summary>
public static class ModelErrorClassifier
{
    private static readonly string[] QuotaWords = ["quota", "billing", "payment", "insufficient_quota", "credits"];

    // Order matters: quota errors usually come as 429 too, so their words are checked before the rate-limit ones.
    private static readonly (string Code, string[] Patterns)[] MessagePatterns =
    [
        (ModelError.QuotaExceeded, QuotaWords),
        (ModelError.RateLimited, ["429", "rate limit", "rate_limit", "resource_exhausted", "too many requests"]),
        (ModelError.ModelNotFound, ["model not found", "does not exist", "not found, try pulling", "no such model", "unknown model"]),
        (ModelError.PermissionDenied, ["api key", "api_key", "unauthorized", "unauthenticated", "forbidden", "permission", "401", "403"]),
        (ModelError.ContentBlocked, ["safety", "content filter", "content_filter", "content policy", "content_policy", "blocked"]),
        (ModelError.Timeout, ["timeout", "timed out", "deadline_exceeded", "deadline exceeded"]),
        (ModelError.ServiceUnavailable, ["503", "502", "overloaded", "unavailable", "connection refused", "no connection could be made", "bad gateway"]),
    ];

    public static ModelError Classify(Exception exception)
    {
        if (exception is OperationCanceledException)
        {
            return Describe(ModelError.Abort);
        }

        var status = StatusOf(exception);
        var byStatus = status switch
        {
            HttpStatusCode.TooManyRequests => ModelError.RateLimited,
            HttpStatusCode.PaymentRequired => ModelError.QuotaExceeded,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ModelError.PermissionDenied,
            HttpStatusCode.NotFound => ModelError.ModelNotFound,
            HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout => ModelError.Timeout,
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway => ModelError.ServiceUnavailable,
            _ => null,
        };

        var text = Flatten(exception).ToLowerInvariant();
        // Quota and rate limits share 429; the words tell them apart.
        if (byStatus == ModelError.RateLimited && QuotaWords.Any(text.Contains))
        {
            byStatus = ModelError.QuotaExceeded;
        }
        if (byStatus is not null)
        {
            return Describe(byStatus);
        }
        if (exception is TimeoutException)
        {
            return Describe(ModelError.Timeout);
        }
        foreach (var (code, patterns) in MessagePatterns)
        {
            if (patterns.Any(text.Contains))
            {
                return Describe(code);
            }
        }
        if (exception is HttpRequestException { StatusCode: null })
        {
            return Describe(ModelError.ServiceUnavailable);
        }
        return Describe(ModelError.Unknown);
    }

    public static ModelError Describe(string code) => code switch
    {
        ModelError.RateLimited => new(code, "You've exceeded the model's rate limit. Wait a minute and send your message again, or pick another model.", true),
        ModelError.QuotaExceeded => new(code, "You've hit the usage quota for this model. Check the provider's billing, or pick another model.", false),
        ModelError.ModelNotFound => new(code, "This model is not available on the model server. Pick another model, or pull it (for Ollama: ollama pull <model>).", false),
        ModelError.PermissionDenied => new(code, "The model server rejected TaskFlow's API key. An administrator needs to check the key in ConnectionStrings:chat.", false),
        ModelError.ServiceUnavailable => new(code, "The AI service is temporarily unavailable. Try again in a moment; if it persists, check that the model server is running.", true),
        ModelError.Timeout => new(code, "The request timed out before the model answered. Try again, perhaps with a shorter message.", true),
        ModelError.ContentBlocked => new(code, "The response was blocked by the provider's content safety filter. Rephrase your message and try again.", false),
        ModelError.Abort => new(code, "", false),
        _ => new(ModelError.Unknown, "Something went wrong while generating the answer. Please try again.", true),
    };

    private static HttpStatusCode? StatusOf(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case HttpRequestException { StatusCode: { } code }:
                    return code;
                case ClientResultException { Status: > 0 } result:
                    return (HttpStatusCode)result.Status;
            }
        }
        return null;
    }

    private static string Flatten(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.GetType().Name);
            messages.Add(current.Message);
        }
        return string.Join(" | ", messages);
    }
}
