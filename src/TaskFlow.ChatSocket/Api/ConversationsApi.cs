using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.Contracts.Text;

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
        api.MapDelete("/{id:guid}", DeleteAsync)
            .WithSummary("Deletes a conversation, its messages and, shortly after, the prompt and answer previews Telemetry logged for it.");
        api.MapPatch("/{id:guid}", RenameAsync).WithSummary("Renames a conversation: { \"title\": \"…\" }, one line of 1 to 80 characters.");
        api.MapGet("/{id:guid}/export", ExportAsync)
            .WithSummary("The whole conversation as a file to keep: ?format=markdown (default) or json.");
        return app;
    }

    private static async Task<Results<Ok<RenameResult>, BadRequest<ProblemMessage>, NotFound<ProblemMessage>>> RenameAsync(
        Guid id, RenameRequest request, HttpContext http, ChatDbContext db, CancellationToken cancellationToken)
    {
        var title = request.Title?.Trim() ?? "";
        if (title.Length is 0 or > Conversation.TitleMaxLength || title.Any(char.IsControl))
        {
            return TypedResults.BadRequest(new ProblemMessage(false,
                $"title must be one line of 1 to {Conversation.TitleMaxLength} characters, e.g. {{ \"title\": \"Trip to Lisbon\" }}."));
        }
        if (StorableText.Describe(title) is { } unstorable)
        {
            return TypedResults.BadRequest(new ProblemMessage(false, unstorable));
        }
        var userId = CurrentUser.IdOf(http);
        // Not activity: the conversation keeps its place in the list.
        var renamed = await db.Conversations.Where(c => c.Id == id && c.UserId == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.Title, title), cancellationToken);
        return renamed == 0 ? NotFound() : TypedResults.Ok(new RenameResult(true, title));
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ConversationDetail>, BadRequest<ProblemMessage>, NotFound<ProblemMessage>>> ExportAsync(
        Guid id, string? format, HttpContext http, ChatDbContext db, CancellationToken cancellationToken)
    {
        if (format is not (null or "markdown" or "json"))
        {
            return TypedResults.BadRequest(new ProblemMessage(false, "format must be markdown or json; leave it out for markdown."));
        }
        if (await GetAsync(id, http, db, cancellationToken) is not { Result: Ok<ConversationDetail> { Value: { } conversation } })
        {
            return NotFound();
        }
        var fileName = ConversationExport.FileName(conversation);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.{(format == "json" ? "json" : "md")}\"";
        return format == "json"
            ? TypedResults.Json(conversation)
            : TypedResults.File(System.Text.Encoding.UTF8.GetBytes(ConversationExport.ToMarkdown(conversation)), "text/markdown; charset=utf-8");
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
                // A model may complete with nothing to say, stored as an empty answer; the preview is the last thing said.
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
        Guid id, HttpContext http, ConversationDeleter deleter, CancellationToken cancellationToken) =>
        await deleter.DeleteAsync(id, CurrentUser.IdOf(http), cancellationToken) ? TypedResults.Ok(new DeleteResult(true)) : NotFound();

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

public sealed record RenameRequest(string? Title);

public sealed record RenameResult(bool Success, string Title);

public sealed record ProblemMessage(bool Success, string Error);
