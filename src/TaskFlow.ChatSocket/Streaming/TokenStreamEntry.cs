namespace TaskFlow.ChatSocket.Streaming;

/// <summary>One entry of a generation's Redis stream, as the worker wrote it.</summary>
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
    string? FinishReason = null);
