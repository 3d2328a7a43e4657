using Microsoft.EntityFrameworkCore;

namespace TaskFlow.Telemetry.Data;

public sealed class TelemetryDbContext(DbContextOptions<TelemetryDbContext> options) : DbContext(options)
{
    public const string Schema = "telemetry";
    public const string InferenceLogsTable = "inference_logs";

    public DbSet<InferenceLog> InferenceLogs => Set<InferenceLog>();

    public DbSet<DeletedConversation> DeletedConversations => Set<DeletedConversation>();

    /// <summary>
    /// Inserts the row unless one for the same call (generation and attempt) exists. ON CONFLICT DO NOTHING instead of catching a unique
    /// violation: a redelivered event is the normal case under at-least-once delivery, not an error for PostgreSQL's log.
    /// A call of a conversation already deleted is stored without its previews and error text.
    /// </summary>
    /// <returns>True when the row was inserted, false when the generation was already logged.</returns>
    public Task<bool> TryAddInferenceLogAsync(InferenceLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        return Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await Database.BeginTransactionAsync(token);
            await LockConversationAsync(log.ConversationId, token);
            var deleted = await DeletedConversations.AnyAsync(d => d.ConversationId == log.ConversationId, token);
            var (input, output, error) = deleted ? ("", "", null) : (log.InputPreview, log.OutputPreview, log.ErrorMessage);
            var inserted = await Database.ExecuteSqlAsync(
                $"""
                INSERT INTO telemetry.inference_logs
                    (id, generation_id, attempt, conversation_id, message_id, user_id, model, provider, status,
                     latency_ms, time_to_first_token_ms, input_tokens, output_tokens, error_code, error_message,
                     input_preview, output_preview, created_at)
                VALUES
                    ({log.Id}, {log.GenerationId}, {log.Attempt}, {log.ConversationId}, {log.MessageId}, {log.UserId}, {log.Model}, {log.Provider}, {log.Status},
                     {log.LatencyMs}, {log.TimeToFirstTokenMs}, {log.InputTokens}, {log.OutputTokens}, {log.ErrorCode}, {error},
                     {input}, {output}, {log.CreatedAt})
                ON CONFLICT (generation_id, attempt) DO NOTHING
                """,
                token);
            await transaction.CommitAsync(token);
            return inserted == 1;
        }, cancellationToken);
    }

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
