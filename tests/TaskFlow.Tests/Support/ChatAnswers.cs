using System.Text.Json;
using Npgsql;
using TaskFlow.Tests.Fakes;

namespace TaskFlow.Tests.Support;

/// <summary>An answer as the client must show it, and as it was stored: for tests where answers restart or move.</summary>
public static class ChatAnswers
{
    /// <summary>What the fake model answers to <paramref name="prompt"/>, whole.</summary>
    public static string Reply(string prompt) => string.Concat(FakeModelServer.ReplyTo(prompt));

    /// <summary>
    /// Reads until the generation's <c>ai_done</c> and returns the answer as the client must show it: the tokens after
    /// the last <c>ai_start</c>, since a restarted answer voids what came before.
    /// </summary>
    public static async Task<ShownAnswer> ReceiveAsync(ChatSocketClient socket, Guid generationId, IEnumerable<JsonElement>? alreadyReceived = null)
    {
        var events = (alreadyReceived ?? []).ToList();
        // Its own end: an idle check-in that began just before the turn ends first on a slow machine.
        events.AddRange(await socket.ReceiveUntilEndOfAsync(generationId));
        Assert.True(events[^1].Type() == "ai_done", $"the answer ended with {events[^1]}");
        var ours = events.Where(e => e.TryGetProperty("generationId", out var id) && id.GetString() == generationId.ToString()).ToList();
        var lastStart = ours.FindLastIndex(e => e.Type() == "ai_start");
        Assert.True(lastStart >= 0, "the answer never started");
        var text = string.Concat(ours.Skip(lastStart).Where(e => e.Type() == "ai_token").Select(e => e.Str("token")));
        var restarted = ours.Any(e => e.Type() == "ai_start" && e.GetProperty("restarted").GetBoolean());
        Assert.Equal("completed", events[^1].Str("status"));
        return new ShownAnswer(text, restarted);
    }

    /// <summary>The conversation's stored messages, oldest first.</summary>
    public static async Task<List<(string Role, string Content)>> StoredAsync(TaskFlowStack stack, Guid conversationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand("SELECT role, content FROM chat.messages WHERE conversation_id = @id ORDER BY created_at", db);
        query.Parameters.AddWithValue("id", conversationId);
        var rows = new List<(string, string)>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }
}

public sealed record ShownAnswer(string Text, bool Restarted);
