using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.Tests.Support;

/// <summary>An answer a test started and saw the first token of, before it breaks something under it.</summary>
public sealed record AnswerUnderway(Guid ConversationId, Guid GenerationId, IReadOnlyList<JsonElement> Shown);

/// <summary>
/// What the restart tests do around an outage: start an answer, complete a turn, follow a job in the database and the
/// token stream in Redis, and check which processes the AppHost replaced.
/// </summary>
public static class RestartChecks
{
    /// <summary>Sends <paramref name="prompt"/> and waits for its first token.</summary>
    public static async Task<AnswerUnderway> StartAnswerAsync(this ChatSocketClient socket, string prompt)
    {
        await socket.SendUserMessageAsync(prompt);
        var accepted = (await socket.ReceiveUntilAsync("message_accepted"))[^1];
        var shown = await socket.ReceiveUntilAsync("ai_token");
        return new AnswerUnderway(Guid.Parse(accepted.Str("conversationId")), Guid.Parse(accepted.Str("generationId")), shown);
    }

    /// <summary>
    /// The answer <paramref name="started"/> reached the user whole, and its new conversation holds the prompt and the
    /// answer once each. Returns what the user was shown.
    /// </summary>
    public static async Task<ShownAnswer> AssertAnsweredOnceAsync(this TaskFlowStack stack, ChatSocketClient socket, AnswerUnderway started, string prompt)
    {
        var answer = await ChatAnswers.ReceiveAsync(socket, started.GenerationId, started.Shown);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal([("user", prompt), ("assistant", ChatAnswers.Reply(prompt))], await ChatAnswers.StoredAsync(stack, started.ConversationId));
        return answer;
    }

    /// <summary>
    /// With every worker stopped, sends <paramref name="prompt"/>, waits until RabbitMQ confirmed its job and does
    /// <paramref name="whileQueued"/> to it; the workers start again whatever happens. Returns the job's generation.
    /// </summary>
    public static async Task<Guid> QueueWithoutWorkersAsync(this RestartableStack stack, ChatSocketClient socket, string prompt, Func<Guid, Task> whileQueued)
    {
        await stack.Services.StopAllAsync(ServiceNames.InferenceWorker);
        try
        {
            await socket.SendUserMessageAsync(prompt);
            var generationId = Guid.Parse((await socket.ReceiveUntilAsync("message_accepted"))[^1].Str("generationId"));
            await Eventually.GetAsync(async () => await stack.QueuedAtAsync(generationId), what: "RabbitMQ to confirm the job");
            await whileQueued(generationId);
            return generationId;
        }
        finally
        {
            await stack.Services.RestartAllAsync(ServiceNames.InferenceWorker);
        }
    }

    /// <summary>The answer to <paramref name="prompt"/> reached the user whole, ends the stored conversation and came from one model call.</summary>
    public static async Task AssertAnsweredByOneCallAsync(this TaskFlowStack stack, ChatSocketClient socket, Guid conversationId, Guid generationId, string prompt)
    {
        var answer = await ChatAnswers.ReceiveAsync(socket, generationId);
        Assert.Equal(ChatAnswers.Reply(prompt), answer.Text);
        Assert.Equal(("assistant", ChatAnswers.Reply(prompt)), (await ChatAnswers.StoredAsync(stack, conversationId))[^1]);
        Assert.Equal(["1|completed|"], await InferenceLogs.CallsAsync(stack, generationId));
        Assert.Equal(1, stack.Model.AttemptsFor(prompt));
    }

    /// <summary>Sends a message and reads its whole answer; returns the conversation.</summary>
    public static async Task<Guid> CompleteTurnAsync(this ChatSocketClient socket, string prompt)
    {
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.True(events[^1].Type() == "ai_done", $"the turn \"{prompt}\" ended with {events[^1]}");
        var accepted = events.Where(e => e.Type() == "message_accepted").ToList();
        Assert.True(accepted.Count == 1, $"the turn \"{prompt}\" should be accepted once before it ends: {string.Join(" | ", events)}");
        return Guid.Parse(accepted[0].Str("conversationId"));
    }

    /// <summary>Every process but <paramref name="restarted"/> is the one that ran before.</summary>
    public static void AssertOnlyRestarted(this TaskFlowStack stack, IReadOnlyDictionary<string, int> before, IReadOnlyList<string> restarted)
    {
        var after = stack.ProcessIds();
        foreach (var (id, pid) in before)
        {
            Assert.True(restarted.Contains(id) ? after[id] != pid : after[id] == pid,
                $"{id}: process {pid} before, {after[id]} after; only {string.Join(", ", restarted)} should have been restarted");
        }
    }

    /// <summary>When RabbitMQ confirmed the job, or null while it has not.</summary>
    public static async Task<object?> QueuedAtAsync(this TaskFlowStack stack, Guid generationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand("SELECT queued_at FROM chat.generations WHERE id = @id", db);
        query.Parameters.AddWithValue("id", generationId);
        return await query.ExecuteScalarAsync() is DateTime queuedAt ? queuedAt : null;
    }

    /// <summary>Makes a queued job look unconfirmed again, with a prompt that ends in the same user message.</summary>
    public static async Task ForgetQueuedAsync(this TaskFlowStack stack, Guid generationId, string userMessage)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var update = new NpgsqlCommand(
            "UPDATE chat.generations SET queued_at = NULL, pending_prompt = @prompt::jsonb WHERE id = @id AND status = 'waiting'", db);
        update.Parameters.AddWithValue("id", generationId);
        update.Parameters.AddWithValue("prompt", JsonSerializer.Serialize(new[] { new { Role = "user", Content = userMessage } }));
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    /// <summary>The worker wrote the answer's end entry: the model is done, whatever the database is doing.</summary>
    public static async Task WaitStreamEndedAsync(this TaskFlowStack stack, Guid generationId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        await Eventually.GetAsync(async () =>
        {
            var last = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(generationId), "-", "+", 1, Order.Descending);
            return last.Length == 1 && last[0][TokenStreamKeys.Fields.Kind] == TokenStreamKeys.Kinds.End ? (object)true : null;
        }, TimeSpan.FromSeconds(30), "the answer's end entry in Redis");
    }
}
