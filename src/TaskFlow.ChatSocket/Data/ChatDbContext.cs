using Microsoft.EntityFrameworkCore;

namespace TaskFlow.ChatSocket.Data;

public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public const string Schema = "chat";

    public DbSet<Conversation> Conversations => Set<Conversation>();

    public DbSet<Message> Messages => Set<Message>();

    public DbSet<Generation> Generations => Set<Generation>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ConversationDeletion> ConversationDeletions => Set<ConversationDeletion>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<Conversation>(conversation =>
        {
            conversation.ToTable("conversations");
            conversation.Property(c => c.Title).HasMaxLength(Conversation.TitleMaxLength);
            conversation.HasIndex(c => new { c.UserId, c.UpdatedAt });
            conversation.HasMany(c => c.Messages).WithOne().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Message>(message =>
        {
            message.ToTable("messages");
            message.HasIndex(m => new { m.ConversationId, m.CreatedAt });
        });

        modelBuilder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasIndex(k => k.Hash).IsUnique();
            key.HasIndex(k => k.UserId);
            key.Property(k => k.Name).HasMaxLength(100);
        });

        modelBuilder.Entity<ConversationDeletion>(deletion =>
        {
            deletion.ToTable("conversation_deletions");
            // No foreign key: the conversation is gone by the time this row matters.
            deletion.HasKey(d => d.ConversationId);
            deletion.Property(d => d.ConversationId).ValueGeneratedNever();
        });

        modelBuilder.Entity<Generation>(generation =>
        {
            generation.ToTable("generations");
            generation.HasOne<Conversation>().WithMany().HasForeignKey(g => g.ConversationId).OnDelete(DeleteBehavior.Cascade);
            generation.HasIndex(g => new { g.UserId, g.CreatedAt });
            generation.HasIndex(g => g.Status);
            generation.Property(g => g.PendingPrompt).HasColumnType("jsonb");
        });
    }
}
