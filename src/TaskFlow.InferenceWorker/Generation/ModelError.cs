using TaskFlow.Contracts.Chat;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>A model failure in the terms of the TaskFlow AI seed: a stable code (one of <see cref="ErrorCodes"/>), words for the user, and whether trying again can help.</summary>
public sealed record ModelError(string Code, string UserMessage, bool IsTransient);
