using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Telemetry;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Sockets;

public static partial class ChatSocketEndpoint
{
    public const string Path = "/ws";

    public static IEndpointRouteBuilder MapChatSocket(this IEndpointRouteBuilder app)
    {
        app.Map(Path, HandleAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private const WebSocketCloseStatus TooManyConnectionsClose = (WebSocketCloseStatus)SocketCloseCodes.TooManyConnections;

    private static async Task HandleAsync(
        HttpContext context, IOptions<ChatOptions> options, IOptions<SecurityOptions> security, ChatMetrics metrics, UserSocketLimiter limiter,
        IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem("This endpoint speaks WebSocket only: connect with a WebSocket client to /ws.", statusCode: StatusCodes.Status400BadRequest)
                .ExecuteAsync(context);
            return;
        }
        // Browsers send cookies with cross-site WebSocket handshakes, so a foreign page could chat as the user.
        if (SiteOrigin.IsCrossSite(context.Request, security.Value.AllowedOrigins))
        {
            await Results.Problem("Cross-site WebSocket connections are not allowed: open the chat page from this server.", statusCode: StatusCodes.Status403Forbidden)
                .ExecuteAsync(context);
            return;
        }
        if (!TryReadRequest(context, out var request, out var error))
        {
            await Results.Problem(error, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        await using var lease = await limiter.TryAcquireAsync(request!.UserId);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        if (lease is null)
        {
            // Accepted only to say why: a browser cannot read the body of a refused upgrade.
            await RefuseAsync(socket, new AiError(null, ErrorCodes.TooManyConnections,
                $"You have {options.Value.MaxSocketsPerUser} chat connections open already (tabs or devices). Close one and this page reconnects by itself."),
                TooManyConnectionsClose, RefuseCloseTimeout, context.RequestAborted);
            return;
        }
        using var session = ActivatorUtilities.CreateInstance<ChatSession>(context.RequestServices, socket, request!);
        // Stopping, the host waits for open requests (up to its shutdown timeout): a socket told to go ends at once.
        using var draining = lifetime.ApplicationStopping.Register(session.Drain);
        metrics.SocketOpened();
        try
        {
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            metrics.SocketClosed();
        }
    }

    /// <summary>How long a refused client has to answer the close before the connection is simply dropped.</summary>
    internal static readonly TimeSpan RefuseCloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Says why, then closes. A client that is gone already, or never answers the close, ends the refusal: that is the
    /// client's business, not an error of this server, and must not hold the request open.
    /// </summary>
    internal static async Task RefuseAsync(WebSocket socket, AiError error, WebSocketCloseStatus status, TimeSpan closeTimeout, CancellationToken aborted)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        limit.CancelAfter(closeTimeout);
        try
        {
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes<object>(error, SocketSender.Json), WebSocketMessageType.Text, endOfMessage: true, limit.Token);
            await socket.CloseAsync(status, error.Code, limit.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            socket.Abort();
        }
    }

    private static bool TryReadRequest(HttpContext context, out SessionRequest? request, out string? error)
    {
        var query = context.Request.Query;
        request = null;
        Guid? conversationId = null;
        if (query["conversationId"].FirstOrDefault() is { Length: > 0 } rawId)
        {
            if (!Guid.TryParse(rawId, out var parsed))
            {
                error = "conversationId must be a UUID; leave it out to start a new conversation.";
                return false;
            }
            conversationId = parsed;
        }
        long lastSequence = 0;
        if (query["lastSeq"].FirstOrDefault() is { Length: > 0 } rawSeq && (!long.TryParse(rawSeq, out lastSequence) || lastSequence < 0))
        {
            error = "lastSeq must be the non-negative sequence number of the last ai_token you received.";
            return false;
        }
        // Any model asked for is looked up, however long: an unknown one is refused, never swapped for the default.
        var model = query["model"].FirstOrDefault() is { Length: > 0 } m ? m : null;
        string? language = null;
        if (query["lang"].FirstOrDefault() is { Length: > 0 } rawLanguage)
        {
            if (!LanguageTag().IsMatch(rawLanguage))
            {
                error = "lang must be a language tag such as en or zh-Hans; leave it out to use Accept-Language.";
                return false;
            }
            language = rawLanguage;
        }
        var greeting = true;
        if (query["greeting"].FirstOrDefault() is { Length: > 0 } rawGreeting && !bool.TryParse(rawGreeting, out greeting))
        {
            error = "greeting must be true or false; leave it out to be greeted when a new conversation opens.";
            return false;
        }
        language ??= context.Request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value)
            .FirstOrDefault(tag => tag is not null && LanguageTag().IsMatch(tag));
        request = new SessionRequest(CurrentUser.IdOf(context), conversationId, model, lastSequence, language, greeting);
        error = null;
        return true;
    }

    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$")]
    private static partial Regex LanguageTag();
}
