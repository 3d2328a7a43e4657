using System.Globalization;
using Fields = TaskFlow.Contracts.Streaming.TokenStreamKeys.Fields;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.Contracts.Streaming;

/// <summary>
/// One entry of a generation's stream: the worker encodes it with the factory of its kind, every reader (the socket
/// and SSE relay, <c>/v1</c>, the worker re-announcing a finished answer) decodes it with <see cref="Decode"/>. Redis
/// stores every field as a string, so the encoding is plain text and this assembly needs no Redis client.
/// <paramref name="WrittenAt"/> is when Redis appended a start entry (its id's milliseconds): the worker's start as the
/// stream shows it, which a job's result needs when the start was never announced on its own.
/// </summary>
public sealed record TokenStreamEntry(
    long Sequence,
    string Kind,
    string Text,
    string Status,
    long? InputTokens,
    long? OutputTokens,
    string? ErrorCode,
    string? ErrorMessage,
    int? Attempt,
    long? DelayMs,
    string? FinishReason = null,
    int Pieces = 1,
    DateTimeOffset? WrittenAt = null)
{
    /// <summary>The status of a start entry: the first start of a job's answer.</summary>
    public const string Started = "started";

    /// <summary>The status of a start entry after an earlier one: the answer begins again and what was shown is void.</summary>
    public const string Restarted = "restarted";

    /// <summary>A start that replaces an answer already begun (the job ran again after its worker stopped).</summary>
    public bool IsRestart => Kind == Kinds.Start && Status == Restarted;

    public static IReadOnlyList<KeyValuePair<string, string>> Start(bool restarted) =>
        [new(Fields.Kind, Kinds.Start), new(Fields.Status, restarted ? Restarted : Started)];

    /// <summary>
    /// The model's text, <paramref name="pieces"/> of its tokens in one entry: the worker writes the tokens that came
    /// within <c>Inference:TokenEntryInterval</c> of its previous entry, or while that write was under way, together,
    /// so a fast model costs a write per interval, not per token.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Token(string text, int pieces = 1) =>
        pieces == 1
            ? [new(Fields.Kind, Kinds.Token), new(Fields.Text, text)]
            : [new(Fields.Kind, Kinds.Token), new(Fields.Text, text), new(Fields.Pieces, Number(pieces))];

    public static IReadOnlyList<KeyValuePair<string, string>> Retry(int attempt, TimeSpan delay, string errorCode) =>
        [new(Fields.Kind, Kinds.Retry), new(Fields.Attempt, Number(attempt)), new(Fields.DelayMs, Number((long)delay.TotalMilliseconds)), new(Fields.ErrorCode, errorCode)];

    public static IReadOnlyList<KeyValuePair<string, string>> Throttled(TimeSpan wait) =>
        [new(Fields.Kind, Kinds.Throttled), new(Fields.DelayMs, Number((long)wait.TotalMilliseconds))];

    /// <summary>The last entry. A count the model did not report is written as -1 and read back as null.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> End(
        string status, long? inputTokens, long? outputTokens, string? errorCode, string? errorMessage, string? finishReason) =>
    [
        new(Fields.Kind, Kinds.End),
        new(Fields.Status, status),
        new(Fields.InputTokens, Number(inputTokens ?? -1)),
        new(Fields.OutputTokens, Number(outputTokens ?? -1)),
        new(Fields.ErrorCode, errorCode ?? ""),
        new(Fields.ErrorMessage, errorMessage ?? ""),
        new(Fields.FinishReason, finishReason ?? ""),
    ];

    /// <summary>The entry's sequence number as written by the stream's one writer, which numbers every entry.</summary>
    public static KeyValuePair<string, string> SequenceField(long sequence) => new(Fields.Sequence, Number(sequence));

    /// <param name="field">The value of a field by name, null when the entry has none.</param>
    public static TokenStreamEntry Decode(Func<string, string?> field)
    {
        string Get(string name) => field(name) ?? "";
        string? Optional(string name) => field(name) is { Length: > 0 } value ? value : null;
        long? Count(string name) => long.TryParse(field(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;
        return new TokenStreamEntry(
            Count(Fields.Sequence) ?? 0,
            Get(Fields.Kind),
            Get(Fields.Text),
            Get(Fields.Status),
            Count(Fields.InputTokens),
            Count(Fields.OutputTokens),
            Optional(Fields.ErrorCode),
            Optional(Fields.ErrorMessage),
            (int?)Count(Fields.Attempt),
            Count(Fields.DelayMs),
            Optional(Fields.FinishReason),
            Count(Fields.Pieces) is long pieces and > 0 ? (int)pieces : 1);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
