using System.Net;
using Npgsql;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.EndToEnd;

/// <summary>The walking skeleton's path: gateway socket → ChatSocket → RabbitMQ → worker → model → Redis → socket, stored and logged.</summary>
[Collection(StackCollection.Name)]
public sealed class ChatTurnTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_chat_turn_streams_the_models_tokens_in_order_and_stores_both_messages()
    {
        const string prompt = "Please check jane.doe@example.com and card 4111 1111 1111 1111 for order 12345";
        var expected = FakeModelServer.ReplyTo(prompt);

        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(prompt);
        var events = (await socket.ReceiveUntilAsync("ai_done", "ai_error")).WithoutQueueEvents();

        var types = events.Select(e => e.Type()).ToList();
        Assert.Equal(["conversation_created", "title_updated", "message_accepted", "ai_start"], types.Take(4));
        Assert.Equal("ai_done", types[^1]);
        var tokens = events.Where(e => e.Type() == "ai_token").ToList();
        // In order, the pieces are the answer. The first token goes out alone; tokens that came while the worker's
        // previous write was under way share a piece.
        Assert.Equal(string.Concat(expected), string.Concat(tokens.Select(t => t.Str("token"))));
        Assert.Equal(expected[0], tokens[0].Str("token"));
        var sequence = tokens.Select(t => t.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(sequence.Order(), sequence);
        Assert.Equal(sequence.Count, sequence.Distinct().Count());

        var created = events[0];
        Assert.Equal(FakeModelServer.ModelName, created.Str("model"));
        Assert.False(created.GetProperty("offline").GetBoolean());
        var conversationId = Guid.Parse(created.Str("conversationId"));
        var done = events[^1];
        Assert.Equal("completed", done.Str("status"));
        Assert.Equal(expected.Count, done.GetProperty("outputTokens").GetInt64());

        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand(
            "SELECT role, content, status FROM chat.messages WHERE conversation_id = @id ORDER BY created_at", db);
        query.Parameters.AddWithValue("id", conversationId);
        var rows = new List<(string Role, string Content, string Status)>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }
        Assert.Equal([("user", prompt, "completed"), ("assistant", string.Concat(expected), "completed")], rows);

        // The relay stored the answer before ai_done, and with it the start it read off the stream: a short answer's
        // start is never announced on its own (Inference:StartAnnouncementDelay), and its record is whole at once.
        await using var job = new NpgsqlCommand(
            "SELECT status, created_at, started_at, finished_at FROM chat.generations WHERE id = @id", db);
        job.Parameters.AddWithValue("id", Guid.Parse(done.Str("generationId")));
        await using var jobReader = await job.ExecuteReaderAsync();
        Assert.True(await jobReader.ReadAsync());
        Assert.Equal("completed", jobReader.GetString(0));
        Assert.False(jobReader.IsDBNull(2), "the job's start is stored with its answer");
        var (createdAt, startedAt, finishedAt) = (jobReader.GetFieldValue<DateTimeOffset>(1), jobReader.GetFieldValue<DateTimeOffset>(2), jobReader.GetFieldValue<DateTimeOffset>(3));
        // The stream's time is whole milliseconds.
        Assert.InRange(startedAt, createdAt.AddMilliseconds(-1), finishedAt);
    }

    [Fact]
    public async Task The_inference_log_of_a_turn_has_the_email_and_card_number_redacted()
    {
        const string prompt = "Mail me at sam.smith@example.org, my card is 5500-0000-0000-0004, ticket 987654";
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync(prompt);
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        Assert.Equal("ai_done", events[^1].Type());
        var generationId = Guid.Parse(events[^1].Str("generationId"));

        await using var db = await stack.OpenDatabaseAsync();
        var (input, output, status, model) = await Eventually.GetAsync(async () =>
        {
            await using var query = new NpgsqlCommand(
                "SELECT input_preview, output_preview, status, model FROM telemetry.inference_logs WHERE generation_id = @id", db);
            query.Parameters.AddWithValue("id", generationId);
            await using var reader = await query.ExecuteReaderAsync();
            return await reader.ReadAsync()
                ? Tuple.Create(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))
                : null;
        }, what: "the inference_logs row");

        Assert.DoesNotContain("sam.smith@example.org", input, StringComparison.Ordinal);
        Assert.DoesNotContain("5500-0000-0000-0004", input, StringComparison.Ordinal);
        Assert.Contains("[EMAIL]", input, StringComparison.Ordinal);
        Assert.Contains("[CARD]", input, StringComparison.Ordinal);
        Assert.Contains("ticket 987654", input, StringComparison.Ordinal);
        // The fake model echoes the prompt, so the answer carries the same PII and must be redacted too.
        Assert.DoesNotContain("sam.smith@example.org", output, StringComparison.Ordinal);
        Assert.Contains("[EMAIL]", output, StringComparison.Ordinal);
        Assert.Equal(FakeModelServer.ModelName, model);
        Assert.Equal("completed", status);
    }

    [Fact]
    public async Task Every_service_answers_health_and_metrics()
    {
        using var http = new HttpClient();
        foreach (var service in stack.Services.All)
        {
            var health = await http.GetAsync(new Uri(new Uri(service.OperatorUrl), "/health"));
            Assert.True(health.StatusCode == HttpStatusCode.OK, $"{service.Name} /health: {(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}");
            var alive = await http.GetAsync(new Uri(new Uri(service.Url), "/alive"));
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            var metrics = await http.GetAsync(new Uri(new Uri(service.OperatorUrl), "/metrics"));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE dotnet_gc_collections_total counter", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
            Assert.Contains($"service_name=\"{service.Name}\"", text, StringComparison.Ordinal);
        }
        Assert.Equal(ServiceNames.All.Count, stack.Services.All.Count);
    }
}
