using Npgsql;

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
    public static Task<List<string>> RowsAsync(TaskFlowStack stack, Guid generationId, string columns, int atLeast = 1, TimeSpan? timeout = null) =>
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
