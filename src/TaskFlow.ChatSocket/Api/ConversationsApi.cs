using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Identity;

namespace TaskFlow.ChatSocket.Api;

/// <summary>The REST side of conversations. A conversation of another user answers 404, exactly like one that never existed.</summary>
public static class ConversationsApi
{
    private const int PreviewLength = 120;

    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/conversations").WithTags("Conversations").RequireAuthorization();
        api.MapGet("/", ListAsync).WithSummary("The caller's conversations, newest activity first, with message count and last preview.");
        api.MapGet("/{id:guid}", GetAsync).WithSummary("One conversation with all its messages, oldest first.");
        api.MapDelete("/{id:guid}", DeleteAsync).WithSummary("Deletes a conversation and its messages.");
        return app;
    }

    private static async Task<Ok<ConversationList>> ListAsync(HttpContext http, ChatDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.IdOf(http);
        // One query: count and last preview are correlated subqueries, not a query per conversation.
        var conversations = await db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId)
            .OrderByDescending(c => c.UpdatedAt)
            .Select(c => new ConversationSummary(
                c.Id, c.Title, c.Status, c.Model, c.Provider, c.CreatedAt, c.UpdatedAt,
                c.Messages.Count,
                // An answer cancelled before its first token is stored empty; the preview is the last thing said.
                c.Messages.Where(m => m.Content != "").OrderByDescending(m => m.CreatedAt)
                    .Select(m => m.Content.Substring(0, PreviewLength)).FirstOrDefault()))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ConversationList(true, conversations));
    }

    private static async Task<Results<Ok<ConversationDetail>, NotFound<ProblemMessage>>> GetAsync(
        Guid id, HttpContext http, ChatDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.IdOf(http);
        var conversation = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == id && c.UserId == userId)
            .Select(c => new ConversationDetail(
                c.Id, c.Title, c.Status, c.Model, c.Provider, c.CreatedAt, c.UpdatedAt,
                c.Messages.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                    .Select(m => new MessageView(m.Id, m.Role, m.Content, m.Status, m.InputTokens, m.OutputTokens, m.CreatedAt))
                    .ToList()))
            .FirstOrDefaultAsync(cancellationToken);
        return conversation is null ? NotFound() : TypedResults.Ok(conversation);
    }

    private static async Task<Results<Ok<DeleteResult>, NotFound<ProblemMessage>>> DeleteAsync(
        Guid id, HttpContext http, ChatDbContext db, CancellationToken cancellationToken)
    {
        var userId = CurrentUser.IdOf(http);
        var deleted = await db.Conversations.Where(c => c.Id == id && c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? NotFound() : TypedResults.Ok(new DeleteResult(true));
    }

    private static NotFound<ProblemMessage> NotFound() =>
        TypedResults.NotFound(new ProblemMessage(false, "Conversation not found. It may have been deleted; list yours with GET /api/conversations."));
}

public sealed record ConversationList(bool Success, IReadOnlyList<ConversationSummary> Conversations);

public sealed record ConversationSummary(
    Guid Id, string Title, string Status, string Model, string Provider, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    int MessageCount, string? LastMessagePreview);

public sealed record ConversationDetail(
    Guid Id, string Title, string Status, string Model, string Provider, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    IReadOnlyList<MessageView> Messages);

public sealed record MessageView(Guid Id, string Role, string Content, string Status, int? InputTokens, int? OutputTokens, DateTimeOffset CreatedAt);

public sealed record DeleteResult(bool Success);

public sealed record ProblemMessage(bool Success, string Error);
