using Microsoft.EntityFrameworkCore;

namespace TaskFlow.Telemetry.Data;

public sealed class TelemetryDbContext(DbContextOptions<TelemetryDbContext> options) : DbContext(options)
{
    public const string Schema = "telemetry";
    public const string InferenceLogsTable = "inference_logs";

    public DbSet<InferenceLog> InferenceLogs => Set<InferenceLog>();

    /// <summary>
    /// Inserts the row unless one for the same call (generation and attempt) exists. ON CONFLICT DO NOTHING instead of catching a unique
    /// violation: a redelivered event is the normal case under at-least-once delivery, not an error for PostgreSQL's log.
    /// </summary>
    /// <returns>True when the row was inserted, false when the generation was already logged.</returns>
    public async Task<bool> TryAddInferenceLogAsync(InferenceLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var inserted = await Database.ExecuteSqlAsync(
            $"""
            INSERT INTO telemetry.inference_logs
                (id, generation_id, attempt, conversation_id, message_id, user_id, model, provider, status,
                 latency_ms, time_to_first_token_ms, input_tokens, output_tokens, error_code, error_message,
                 input_preview, output_preview, created_at)
            VALUES
                ({log.Id}, {log.GenerationId}, {log.Attempt}, {log.ConversationId}, {log.MessageId}, {log.UserId}, {log.Model}, {log.Provider}, {log.Status},
                 {log.LatencyMs}, {log.TimeToFirstTokenMs}, {log.InputTokens}, {log.OutputTokens}, {log.ErrorCode}, {log.ErrorMessage},
                 {log.InputPreview}, {log.OutputPreview}, {log.CreatedAt})
            ON CONFLICT (generation_id, attempt) DO NOTHING
            """,
            cancellationToken);
        return inserted == 1;
    }

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
        });
    }
}
