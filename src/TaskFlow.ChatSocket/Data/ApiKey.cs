namespace TaskFlow.ChatSocket.Data;

/// <summary>A personal key for the OpenAI-compatible API. Only a hash is stored; the key is shown once, at creation.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }

    public required string UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The key's first characters, so users can tell their keys apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the whole key, hex.</summary>
    public required string Hash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
