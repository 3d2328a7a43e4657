namespace TaskFlow.Contracts.Chat;

/// <summary>One message of the prompt a worker sends to the model. Role is "system", "user" or "assistant".</summary>
public sealed record ChatTurn(string Role, string Content);
