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
        Eventually.GetAsync(async () =>
        {
            await using var db = await stack.OpenDatabaseAsync();
            await using var query = new NpgsqlCommand(
                "SELECT attempt || '|' || status || '|' || coalesce(error_code, '') FROM telemetry.inference_logs WHERE generation_id = @id ORDER BY attempt", db);
            query.Parameters.AddWithValue("id", generationId);
            var rows = new List<string>();
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
            return rows.Count >= atLeast ? rows : null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"{atLeast} inference log(s) of {generationId}");
}
