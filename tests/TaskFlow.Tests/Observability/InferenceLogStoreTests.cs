using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TaskFlow.Telemetry.Data;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>
/// Telemetry's batched insert on the real PostgreSQL, with its DbContext wired as Telemetry wires it: each call stored
/// once however often it comes (in one batch or the next), a deleted conversation's calls without their words, and
/// batches that share conversations in opposite orders both finishing. A bus cannot be made to hand over these
/// batches on cue.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class InferenceLogStoreTests(TaskFlowStack stack) : IAsyncLifetime
{
    private readonly string _userId = "log-store-tests-" + Guid.NewGuid().ToString("N");
    private IHost _host = null!;

    public Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:taskflowdb"] = stack.Postgres.ConnectionString;
        builder.AddTaskFlowDbContext<TelemetryDbContext>(TelemetryDbContext.Schema);
        _host = builder.Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await ExecuteAsync("DELETE FROM telemetry.inference_logs WHERE user_id = $1", _userId);
        await ExecuteAsync("DELETE FROM telemetry.deleted_conversations WHERE user_id = $1", _userId);
        _host.Dispose();
    }

    [Fact]
    public async Task A_batch_stores_each_call_once_and_a_deleted_conversations_calls_without_their_words()
    {
        var (kept, deleted) = (Guid.NewGuid(), Guid.NewGuid());
        await UseAsync(db => db.ScrubConversationAsync(deleted, _userId, DateTimeOffset.UtcNow, default));
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var batch = new[]
        {
            Log(first, attempt: 1, kept, "ask pat@example.com", error: null),
            Log(first, attempt: 2, kept, "ask again", error: "Model timed out"),
            Log(first, attempt: 1, kept, "ask pat@example.com", error: null), // a copy redelivered into the same batch
            Log(second, attempt: 1, deleted, "secret words", error: "Model failed on secret words"),
        };

        var inserted = await UseAsync(db => db.TryAddInferenceLogsAsync(batch, default));

        Assert.Equal(new[] { (first, 1), (first, 2), (second, 1) }.Order(), inserted.Order());
        var rows = await RowsAsync();
        Assert.Equal(3, rows.Count);
        Assert.Equal(("ask pat@example.com", "answer", (string?)null), rows[(first, 1)]);
        Assert.Equal(("ask again", "answer", "Model timed out"), rows[(first, 2)]);
        Assert.Equal(("", "", (string?)null), rows[(second, 1)]);

        // The same calls again, as after a crash before the ack: nothing new, nothing changed.
        Assert.Empty(await UseAsync(db => db.TryAddInferenceLogsAsync(batch, default)));
        Assert.Equal(rows, await RowsAsync());
    }

    [Fact]
    public async Task Batches_that_share_conversations_in_opposite_orders_all_finish()
    {
        var conversations = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        for (var round = 0; round < 5; round++)
        {
            var forward = conversations.Select(c => Log(Guid.NewGuid(), 1, c, "forward", null)).ToArray();
            var backward = Enumerable.Reverse(conversations).Select(c => Log(Guid.NewGuid(), 1, c, "backward", null)).ToArray();

            // A deadlock would fail one of them (PostgreSQL ends it with 40P01), not hang.
            var stored = await Task.WhenAll(
                UseAsync(db => db.TryAddInferenceLogsAsync(forward, default)),
                UseAsync(db => db.TryAddInferenceLogsAsync(backward, default)));

            Assert.All(stored, s => Assert.Equal(conversations.Length, s.Count));
        }
        Assert.Equal(conversations.Length * 2 * 5, (await RowsAsync()).Count);
    }

    private InferenceLog Log(Guid generationId, int attempt, Guid conversationId, string input, string? error) => new()
    {
        Id = Guid.CreateVersion7(),
        GenerationId = generationId,
        Attempt = attempt,
        ConversationId = conversationId,
        MessageId = attempt == 1 ? generationId : null,
        UserId = _userId,
        Model = "fake",
        Provider = "Ollama",
        Status = error is null ? "completed" : "failed",
        LatencyMs = 120,
        TimeToFirstTokenMs = error is null ? 15 : null,
        InputTokens = 7,
        OutputTokens = error is null ? 3 : null,
        ErrorCode = error is null ? null : "model_timeout",
        ErrorMessage = error,
        InputPreview = input,
        OutputPreview = "answer",
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<T> UseAsync<T>(Func<TelemetryDbContext, Task<T>> work)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TelemetryDbContext>());
    }

    /// <summary>The user's stored calls: previews and error text by generation and attempt.</summary>
    private async Task<Dictionary<(Guid, int), (string, string, string?)>> RowsAsync()
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("""
            SELECT generation_id, attempt, input_preview, output_preview, error_message FROM telemetry.inference_logs WHERE user_id = $1
            """, connection) { Parameters = { new() { Value = _userId } } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<(Guid, int), (string, string, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt32(1)), (reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return rows;
    }

    private async Task ExecuteAsync(string sql, object value)
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = value } } };
        await command.ExecuteNonQueryAsync();
    }
}
