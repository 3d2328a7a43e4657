using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.ChatSocket.Api;
using TaskFlow.ChatSocket.ApiKeys;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Identity;
using TaskFlow.ChatSocket.Messaging;
using TaskFlow.ChatSocket.Models;
using TaskFlow.ChatSocket.OpenAi;
using TaskFlow.ChatSocket.Queue;
using TaskFlow.ChatSocket.Sockets;
using TaskFlow.ChatSocket.Streaming;
using TaskFlow.ChatSocket.Telemetry;
using TaskFlow.ChatSocket.Turns;

namespace TaskFlow.ChatSocket.Extensions;

internal static class ChatSocketServiceExtensions
{
    public const string OpenApiDocumentName = "chatsocket";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<EngagementOptions>().BindConfiguration(EngagementOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PacingOptions>().BindConfiguration(PacingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);

        builder.AddTaskFlowDbContext<ChatDbContext>(ChatDbContext.Schema, options => options.UseSnakeCaseNamingConvention());
        builder.AddTaskFlowRedisClient();
        builder.AddTaskFlowMessaging(bus =>
        {
            bus.AddConsumer<ReplyFinishedConsumer, ReplyFinishedConsumerDefinition>();
            bus.AddConsumer<GenerationStartedConsumer, GenerationStartedConsumerDefinition>();
            // Without RabbitMQ this service still accepts and stores messages (the redispatcher queues them later), so
            // a broker outage degrades it rather than taking it out of service.
            bus.ConfigureHealthCheckOptions(health => health.MinimalFailureStatus = HealthStatus.Degraded);
        });

        builder.Services.AddScoped<ConversationStore>();
        builder.Services.AddScoped<JobStore>();
        builder.Services.AddScoped<PromptBuilder>();
        builder.Services.AddScoped<ChatUnitOfWork>();
        builder.Services.AddScoped<TurnAcceptor>();
        builder.Services.AddSingleton<TokenCounter>();
        builder.Services.AddSingleton<ChatMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatMetrics>());
        builder.Services.AddSingleton<ModelCatalogReader>();
        builder.Services.AddSingleton<TokenStreamReader>();
        builder.Services.AddSingleton<GenerationCanceller>();
        builder.Services.AddSingleton<UserSocketLimiter>();
        builder.Services.AddSingleton<QueueBoardWriter>();
        builder.Services.AddSingleton<JobDispatcher>();
        builder.Services.AddScoped<TurnSubmitter>();
        builder.Services.AddScoped<ConversationResumer>();
        builder.Services.AddSingleton<AnswerOutcomes>();
        builder.Services.AddSingleton<GenerationRelays>();
        builder.Services.AddHostedService<JobRedispatcher>();
        builder.Services.AddSingleton<QueuedJobRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueuedJobRecorder>());
        builder.Services.AddScoped<ConversationDeleter>();
        builder.Services.AddSingleton<ConversationDeletionRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConversationDeletionRelay>());
        builder.Services.AddSingleton<QueuePositions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueuePositions>());
        builder.Services.AddOpenApi(OpenApiDocumentName);

        builder.Services.AddScoped<ApiKeyService>();
        builder.AddChatSocketAuthentication();
    }

    public static void MapApplicationEndpoints(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseOpenAiErrorShape();
        app.MapOpenApi();
        app.MapChatSocket();
        app.MapConversationsApi();
        app.MapModelsApi();
        app.MapQueueApi();
        app.MapApiKeysApi();
        app.MapChatCompletionsApi();
    }
}
