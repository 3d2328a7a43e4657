using MassTransit;
using TaskFlow.Telemetry.Data;
using TaskFlow.Telemetry.Logging;
using TaskFlow.Telemetry.Pii;
using TaskFlow.Telemetry.Stats;

namespace TaskFlow.Telemetry.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddTaskFlowDbContext<TelemetryDbContext>(TelemetryDbContext.Schema);
        // Redis holds the shared Data Protection keys that let this service read the site's sign-in cookie.
        builder.AddTaskFlowRedisClient();
        builder.AddSharedSignIn();

        // Compiled patterns and lookup tables only: one instance serves every message.
        builder.Services.AddSingleton<PiiRedactor>();
        builder.Services.AddSingleton<TelemetryMetrics>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<StatsQueries>();
        builder.Services.AddProblemDetails();

        builder.AddTaskFlowMessaging(bus =>
        {
            bus.AddConsumer<InferenceCompletedConsumer, InferenceCompletedConsumerDefinition>();
            bus.AddConsumer<ConversationDeletedConsumer, ConversationDeletedConsumerDefinition>();
        });
    }
}
