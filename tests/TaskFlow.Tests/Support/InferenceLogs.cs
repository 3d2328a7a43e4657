using Npgsql;
using RabbitMQ.Client;
using TaskFlow.Telemetry.Logging;

namespace TaskFlow.Tests.Support;

/// <summary>What Telemetry stored about a generation's model calls.</summary>
public static class InferenceLogs
{
    /// <summary>
    /// The generation's inference logs as "attempt|status|error code" (code empty when none), in attempt order, once
    /// there are at least <paramref name="atLeast"/> of them.
    /// </summary>
    public static Task<List<string>> CallsAsync(TaskFlowStack stack, Guid generationId, int atLeast = 1, TimeSpan? timeout = null) =>
        RowsAsync(stack, generationId, "attempt, status, coalesce(error_code, '')", atLeast, timeout);

    /// <summary>The chosen columns (SQL expressions) of the generation's inference logs joined with '|', in attempt order.</summary>
    public static async Task<List<string>> RowsAsync(TaskFlowStack stack, Guid generationId, string columns, int atLeast = 1, TimeSpan? timeout = null)
    {
        try
        {
            return await RowsOnceThereAsync(stack, generationId, columns, atLeast, timeout);
        }
        catch (TimeoutException missing)
        {
            // A log that never came is read about in CI's output alone: say where it stopped (still queued, dead-lettered,
            // or Telemetry failing) rather than only that it is missing.
            throw new TimeoutException($"{missing.Message} {await TelemetryStateAsync(stack)}", missing);
        }
    }

    private static Task<List<string>> RowsOnceThereAsync(TaskFlowStack stack, Guid generationId, string columns, int atLeast, TimeSpan? timeout) =>
        Eventually.GetAsync(async () =>
        {
            await using var db = await stack.OpenDatabaseAsync();
            await using var query = new NpgsqlCommand(
                $"SELECT concat_ws('|', {columns}) FROM telemetry.inference_logs WHERE generation_id = @id ORDER BY attempt", db);
            query.Parameters.AddWithValue("id", generationId);
            var rows = new List<string>();
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            return rows.Count >= atLeast ? rows : null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"{atLeast} inference log(s) of {generationId}");

    /// <summary>Telemetry's queues in RabbitMQ and the last problems in its console log.</summary>
    private static async Task<string> TelemetryStateAsync(TaskFlowStack stack)
    {
        var state = new List<string>();
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(stack.RabbitMq.ConnectionString) };
            await using var connection = await factory.CreateConnectionAsync();
            foreach (var queue in new[] { InferenceCompletedConsumerDefinition.QueueName, InferenceCompletedConsumerDefinition.QueueName + "_error" })
            {
                // A passive declare of a missing queue closes its channel: one channel per queue.
                await using var channel = await connection.CreateChannelAsync();
                try
                {
                    var found = await channel.QueueDeclarePassiveAsync(queue);
                    state.Add($"{queue}: {found.MessageCount} waiting, {found.ConsumerCount} consumer(s)");
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    state.Add($"{queue}: none");
                }
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
        {
            state.Add($"RabbitMQ not reachable: {ex.Message}");
        }

        // A console log entry is its level and category on one line and its message on the next.
        static bool IsProblem(string line) => line.Contains("fail:", StringComparison.Ordinal) || line.Contains("warn:", StringComparison.Ordinal);
        var problems = Directory.Exists(stack.LogDirectory)
            ? Directory.EnumerateFiles(stack.LogDirectory, "telemetry*.log")
                .Select(ResourceLogFiles.ReadLines)
                .SelectMany(lines => lines.Select((line, i) => IsProblem(line) && i + 1 < lines.Count ? $"{line.Trim()} {lines[i + 1].Trim()}" : null))
                .OfType<string>()
                .TakeLast(6)
            : [];
        return $"Telemetry: {string.Join("; ", state)}. Its last problems logged: {string.Join(" | ", problems.DefaultIfEmpty("none"))}";
    }

    /// <summary>The text Telemetry keeps of a conversation's calls, one "input preview|output preview|error message" per log.</summary>
    public static async Task<List<string>> TextOfConversationAsync(TaskFlowStack stack, Guid conversationId)
    {
        await using var db = await stack.OpenDatabaseAsync();
        await using var query = new NpgsqlCommand(
            "SELECT concat_ws('|', input_preview, output_preview, coalesce(error_message, '')) FROM telemetry.inference_logs WHERE conversation_id = @id ORDER BY created_at",
            db);
        query.Parameters.AddWithValue("id", conversationId);
        var rows = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
