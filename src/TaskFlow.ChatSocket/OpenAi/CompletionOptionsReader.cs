using System.Globalization;
using System.Text.Json;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// The generation options of a chat completion request, checked against OpenAI's ranges and worded as OpenAI words its
/// errors. What TaskFlow cannot honour (several choices, tool calls, log probabilities) is refused, not ignored.
/// </summary>
public static class CompletionOptionsReader
{
    /// <summary>OpenAI accepts at most four stop sequences.</summary>
    public const int MaxStopSequences = 4;

    public static (GenerationOptions? Options, RequestError? Error) Read(ChatCompletionRequest request)
    {
        if (Unsupported(request) is { } unsupported)
        {
            return (null, unsupported);
        }
        var error = AtLeast("n", request.N, 1)
            ?? AtLeast("max_tokens", request.MaxTokens, 1)
            ?? AtLeast("max_completion_tokens", request.MaxCompletionTokens, 1)
            ?? Within("temperature", request.Temperature, 0, 2)
            ?? Within("top_p", request.TopP, 0, 1)
            ?? Within("frequency_penalty", request.FrequencyPenalty, -2, 2)
            ?? Within("presence_penalty", request.PresencePenalty, -2, 2);
        if (error is not null)
        {
            return (null, error);
        }
        if (request.MaxTokens is { } maxTokens && request.MaxCompletionTokens is { } maxCompletion && maxTokens != maxCompletion)
        {
            return (null, RequestError.Invalid("max_tokens", "invalid_value",
                $"'max_tokens' ({maxTokens}) and 'max_completion_tokens' ({maxCompletion}) disagree; send only 'max_completion_tokens'."));
        }
        var (stops, stopError) = ReadStop(request.Stop);
        if (stopError is not null)
        {
            return (null, stopError);
        }
        var (format, formatError) = ReadResponseFormat(request.ResponseFormat);
        if (formatError is not null)
        {
            return (null, formatError);
        }

        var options = new GenerationOptions
        {
            MaxOutputTokens = request.MaxCompletionTokens ?? request.MaxTokens,
            StopSequences = stops,
            Temperature = (float?)request.Temperature,
            TopP = (float?)request.TopP,
            FrequencyPenalty = (float?)request.FrequencyPenalty,
            PresencePenalty = (float?)request.PresencePenalty,
            Seed = request.Seed,
            ResponseFormat = format?.Kind,
            JsonSchemaName = format?.SchemaName,
            JsonSchema = format?.Schema,
        };
        // A job without options is what a socket turn sends: keep the message the same when nothing was asked for.
        return (options == new GenerationOptions() ? null : options, null);
    }

    private static RequestError? Unsupported(ChatCompletionRequest request)
    {
        if (request.N > 1)
        {
            return RequestError.Invalid("n", "unsupported_value",
                $"Unsupported value: 'n' is {request.N}, but TaskFlow generates one choice per request. Leave 'n' out (or 1) and send the request {request.N} times.");
        }
        if (IsPresent(request.Tools) || IsPresent(request.Functions))
        {
            var param = IsPresent(request.Tools) ? "tools" : "functions";
            return RequestError.Invalid(param, "unsupported_parameter",
                $"Unsupported parameter: '{param}'. TaskFlow's queue streams text answers only, so no model behind it can return tool calls. Leave '{param}' out.");
        }
        if (ToolChoiceNeedsTools(request.ToolChoice) || ToolChoiceNeedsTools(request.FunctionCall))
        {
            var param = IsPresent(request.ToolChoice) ? "tool_choice" : "function_call";
            return RequestError.Invalid(param, "unsupported_value",
                $"Unsupported value for '{param}': TaskFlow cannot call tools. Leave it out, or use \"none\".");
        }
        if (request.Logprobs == true || request.TopLogprobs is > 0)
        {
            var param = request.Logprobs == true ? "logprobs" : "top_logprobs";
            return RequestError.Invalid(param, "unsupported_parameter", $"Unsupported parameter: '{param}'. TaskFlow does not return log probabilities; leave it out.");
        }
        return null;
    }

    private static bool IsPresent(JsonElement value) =>
        value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null) && !(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0);

    /// <summary>"none" and "auto" without tools ask for nothing; "required" or a named function ask for a tool call.</summary>
    private static bool ToolChoiceNeedsTools(JsonElement choice) =>
        IsPresent(choice) && !(choice.ValueKind == JsonValueKind.String && choice.GetString() is "none" or "auto");

    private static RequestError? AtLeast(string param, int? value, int minimum) =>
        value < minimum
            ? RequestError.Invalid(param, "integer_below_min_value",
                $"Invalid '{param}': integer below minimum value. Expected a value >= {minimum}, but got {value} instead.")
            : null;

    private static RequestError? Within(string param, double? value, double minimum, double maximum)
    {
        if (value < minimum)
        {
            return RequestError.Invalid(param, "decimal_below_min_value",
                $"Invalid '{param}': decimal below minimum value. Expected a value >= {Number(minimum)}, but got {Number(value.Value)} instead.");
        }
        return value > maximum
            ? RequestError.Invalid(param, "decimal_above_max_value",
                $"Invalid '{param}': decimal above maximum value. Expected a value <= {Number(maximum)}, but got {Number(value.Value)} instead.")
            : null;
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static (IReadOnlyList<string>? Stops, RequestError? Error) ReadStop(JsonElement stop)
    {
        switch (stop.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return (null, null);
            case JsonValueKind.String:
                return (stop.GetString() is { Length: > 0 } one ? [one] : null, null);
            case JsonValueKind.Array when stop.GetArrayLength() > MaxStopSequences:
                return (null, RequestError.Invalid("stop", "array_above_max_length",
                    $"Invalid 'stop': array too long. Expected an array with maximum length {MaxStopSequences}, but got an array with length {stop.GetArrayLength()} instead."));
            case JsonValueKind.Array when stop.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String):
                var stops = stop.EnumerateArray().Select(item => item.GetString()!).Where(item => item.Length > 0).ToList();
                return (stops.Count > 0 ? stops : null, null);
            default:
                return (null, RequestError.Invalid("stop", "invalid_type", "Invalid 'stop': expected a string or an array of strings."));
        }
    }

    private sealed record Format(string Kind, string? SchemaName, string? Schema);

    private static (Format? Format, RequestError? Error) ReadResponseFormat(JsonElement format)
    {
        if (format.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (null, null);
        }
        var type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text":
                return (null, null);
            case "json_object":
                return (new Format(GenerationOptions.Formats.Json, null, null), null);
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object
                    || !spec.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    return (null, RequestError.Invalid("response_format.json_schema", "missing_required_parameter",
                        "Missing required parameter: 'response_format.json_schema' with an object 'schema'."));
                }
                var name = spec.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                return (new Format(GenerationOptions.Formats.JsonSchema, name, schema.GetRawText()), null);
            default:
                return (null, RequestError.Invalid("response_format.type", "invalid_value",
                    $"Invalid 'response_format.type' ({type ?? "missing"}): use 'text', 'json_object' or 'json_schema'."));
        }
    }
}
