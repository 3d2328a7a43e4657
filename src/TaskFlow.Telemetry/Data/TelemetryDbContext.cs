using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TaskFlow.Telemetry.Data;

public sealed class TelemetryDbContext(DbContextOptions<TelemetryDbContext> options) : DbContext(options)
{
    public const string Schema = "telemetry";
    public const string InferenceLogsTable = "inference_logs";

    public DbSet<InferenceLog> InferenceLogs => Set<InferenceLog>();

    public DbSet<DeletedConversation> DeletedConversations => Set<DeletedConversation>();

    /// <summary>
    /// Inserts each row unless one for the same call (generation and attempt) exists, all in one transaction of two
    /// round trips however many rows: under load a log costs PostgreSQL a fraction of a statement instead of five.
    /// ON CONFLICT DO NOTHING instead of catching a unique violation: a redelivered event is the normal case under
    /// at-least-once delivery, not an error for PostgreSQL's log. A call of a conversation already deleted is stored
    /// without its previews and error text.
    /// </summary>
    /// <returns>The calls whose rows were inserted; the others were logged already.</returns>
    public Task<HashSet<(Guid GenerationId, int Attempt)>> TryAddInferenceLogsAsync(IReadOnlyCollection<InferenceLog> logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logs);
        // One row per call: a copy redelivered into the same batch would otherwise be a second row of one statement.
        var rows = logs.DistinctBy(l => (l.GenerationId, l.Attempt)).ToArray();
        return Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await Database.BeginTransactionAsync(token);
            var inserted = new HashSet<(Guid, int)>();
            await using (var batch = Database.CreateBatch(LockConversationsCommand(rows.Select(l => l.ConversationId)), InsertLogsCommand(rows)))
            await using (var reader = await batch.ExecuteReaderAsync(token))
            {
                await reader.NextResultAsync(token);
                while (await reader.ReadAsync(token))
                {
                    inserted.Add((reader.GetGuid(0), reader.GetInt32(1)));
                }
            }
            await transaction.CommitAsync(token);
            return inserted;
        }, cancellationToken);
    }

    /// <summary>
    /// The conversations' locks (<see cref="LockConversationAsync"/>) in one order, the same in every batch, so two
    /// batches that share conversations wait for each other instead of each holding what the other needs.
    /// </summary>
    private static NpgsqlBatchCommand LockConversationsCommand(IEnumerable<Guid> conversationIds) => new("""
        SELECT pg_advisory_xact_lock(key)
        FROM (SELECT DISTINCT hashtextextended(id, 0) AS key FROM unnest($1::text[]) AS id ORDER BY key) AS keys
        """)
    {
        Parameters = { new() { Value = conversationIds.Select(id => id.ToString()).Distinct().ToArray() } },
    };

    private static NpgsqlBatchCommand InsertLogsCommand(InferenceLog[] rows) => new("""
        INSERT INTO telemetry.inference_logs
            (id, generation_id, attempt, conversation_id, message_id, user_id, model, provider, status,
             latency_ms, time_to_first_token_ms, input_tokens, output_tokens, error_code, error_message,
             input_preview, output_preview, created_at)
        SELECT l.id, l.generation_id, l.attempt, l.conversation_id, l.message_id, l.user_id, l.model, l.provider, l.status,
               l.latency_ms, l.time_to_first_token_ms, l.input_tokens, l.output_tokens, l.error_code,
               CASE WHEN d.conversation_id IS NULL THEN l.error_message END,
               CASE WHEN d.conversation_id IS NULL THEN l.input_preview ELSE '' END,
               CASE WHEN d.conversation_id IS NULL THEN l.output_preview ELSE '' END,
               l.created_at
        FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[],
                    $10::bigint[], $11::bigint[], $12::int[], $13::int[], $14::text[], $15::text[], $16::text[], $17::text[], $18::timestamptz[])
            AS l(id, generation_id, attempt, conversation_id, message_id, user_id, model, provider, status,
                 latency_ms, time_to_first_token_ms, input_tokens, output_tokens, error_code, error_message,
                 input_preview, output_preview, created_at)
        LEFT JOIN telemetry.deleted_conversations AS d ON d.conversation_id = l.conversation_id
        ON CONFLICT (generation_id, attempt) DO NOTHING
        RETURNING generation_id, attempt
        """)
    {
        Parameters =
        {
            Column(rows, l => l.Id), Column(rows, l => l.GenerationId), Column(rows, l => l.Attempt), Column(rows, l => l.ConversationId),
            Column(rows, l => l.MessageId), Column(rows, l => l.UserId), Column(rows, l => l.Model), Column(rows, l => l.Provider),
            Column(rows, l => l.Status), Column(rows, l => l.LatencyMs), Column(rows, l => l.TimeToFirstTokenMs),
            Column(rows, l => l.InputTokens), Column(rows, l => l.OutputTokens), Column(rows, l => l.ErrorCode),
            Column(rows, l => l.ErrorMessage), Column(rows, l => l.InputPreview), Column(rows, l => l.OutputPreview),
            Column(rows, l => l.CreatedAt),
        },
    };

    private static NpgsqlParameter Column<T>(InferenceLog[] rows, Func<InferenceLog, T> value) => new() { Value = rows.Select(value).ToArray() };

    /// <summary>
    /// Removes what the user wrote and got from every log of a deleted conversation, and remembers the delete for logs
    /// still on their way. The numbers (latency, tokens, status, model) stay for the statistics; no text does. Idempotent.
    /// </summary>
    /// <returns>How many logs were scrubbed.</returns>
    public Task<int> ScrubConversationAsync(Guid conversationId, string userId, DateTimeOffset deletedAt, CancellationToken cancellationToken) =>
        Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await Database.BeginTransactionAsync(token);
            await LockConversationAsync(conversationId, token);
            await Database.ExecuteSqlAsync(
                $"""
                INSERT INTO telemetry.deleted_conversations (conversation_id, user_id, deleted_at)
                VALUES ({conversationId}, {userId}, {deletedAt})
                ON CONFLICT (conversation_id) DO NOTHING
                """,
                token);
            var scrubbed = await InferenceLogs
                .Where(l => l.ConversationId == conversationId && l.UserId == userId
                    && (l.InputPreview != "" || l.OutputPreview != "" || l.ErrorMessage != null))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(l => l.InputPreview, "")
                    .SetProperty(l => l.OutputPreview, "")
                    .SetProperty(l => l.ErrorMessage, (string?)null), token);
            await transaction.CommitAsync(token);
            return scrubbed;
        }, cancellationToken);

    /// <summary>
    /// Serializes a conversation's log insert with its scrub, so a log that arrives while the scrub runs is either
    /// scrubbed by it or sees the delete; without the lock each could miss the other's uncommitted row.
    /// </summary>
    private Task<int> LockConversationAsync(Guid conversationId, CancellationToken cancellationToken) =>
        Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({conversationId.ToString()}, 0))", cancellationToken);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<InferenceLog>(log =>
        {
            // Column names are spelled out (snake_case) because the insert above and the stats queries use raw SQL.
            log.ToTable(InferenceLogsTable);
            log.HasKey(l => l.Id).HasName("pk_inference_logs");
            log.Property(l => l.Id).HasColumnName("id").ValueGeneratedNever();
            log.Property(l => l.GenerationId).HasColumnName("generation_id");
            log.Property(l => l.Attempt).HasColumnName("attempt").HasDefaultValue(1);
            log.Property(l => l.ConversationId).HasColumnName("conversation_id");
            log.Property(l => l.MessageId).HasColumnName("message_id");
            log.Property(l => l.UserId).HasColumnName("user_id");
            log.Property(l => l.Model).HasColumnName("model");
            log.Property(l => l.Provider).HasColumnName("provider");
            log.Property(l => l.Status).HasColumnName("status");
            log.Property(l => l.LatencyMs).HasColumnName("latency_ms");
            log.Property(l => l.TimeToFirstTokenMs).HasColumnName("time_to_first_token_ms");
            log.Property(l => l.InputTokens).HasColumnName("input_tokens");
            log.Property(l => l.OutputTokens).HasColumnName("output_tokens");
            log.Property(l => l.ErrorCode).HasColumnName("error_code");
            log.Property(l => l.ErrorMessage).HasColumnName("error_message");
            log.Property(l => l.InputPreview).HasColumnName("input_preview");
            log.Property(l => l.OutputPreview).HasColumnName("output_preview");
            log.Property(l => l.CreatedAt).HasColumnName("created_at");

            log.HasIndex(l => new { l.GenerationId, l.Attempt }).IsUnique().HasDatabaseName("ux_inference_logs_generation_id_attempt");
            // The stats window (WHERE created_at >= …) and the per-model breakdown over it.
            log.HasIndex(l => l.CreatedAt).HasDatabaseName("ix_inference_logs_created_at");
            log.HasIndex(l => new { l.Model, l.CreatedAt }).HasDatabaseName("ix_inference_logs_model_created_at");
            // The scrub of a deleted conversation.
            log.HasIndex(l => l.ConversationId).HasDatabaseName("ix_inference_logs_conversation_id");
        });

        modelBuilder.Entity<DeletedConversation>(deleted =>
        {
            deleted.ToTable("deleted_conversations");
            deleted.HasKey(d => d.ConversationId).HasName("pk_deleted_conversations");
            deleted.Property(d => d.ConversationId).HasColumnName("conversation_id").ValueGeneratedNever();
            deleted.Property(d => d.UserId).HasColumnName("user_id");
            deleted.Property(d => d.DeletedAt).HasColumnName("deleted_at");
        });
    }
}
