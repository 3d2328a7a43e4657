using MassTransit;
using OpenTelemetry.Metrics;
using TaskFlow.InferenceWorker.Generation;
using TaskFlow.InferenceWorker.Models;
using TaskFlow.InferenceWorker.Telemetry;

namespace TaskFlow.InferenceWorker.Extensions;

internal static class WorkerServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.AddTaskFlowRedisClient();
        var inference = builder.Configuration.GetSection(InferenceOptions.SectionName).Get<InferenceOptions>() ?? new InferenceOptions();
        builder.AddTaskFlowMessaging(
            bus =>
            {
                bus.AddConsumer<GenerateReplyConsumer>().ExcludeFromConfigureEndpoints();
                bus.AddConsumer<ParkedJobConsumer>().ExcludeFromConfigureEndpoints();
            },
            (context, rabbit) => GenerateReplyEndpoint.Configure(context, rabbit, inference.MaxConcurrentJobs, inference.MaxWaitingJobs));

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt one client out.
        // A model answer can take minutes: this client gets no standard resilience timeout; cancellation and the
        // generation timeout bound it instead.
        builder.Services.AddHttpClient(ModelRegistry.ModelHttpClient, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
        builder.Services.AddHttpClient(ModelAvailabilityMonitor.ProbeHttpClient)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<TokenStreamWriter>();
        builder.Services.AddSingleton<FinishedAnswers>();
        builder.Services.AddSingleton<GenerationClaims>();
        builder.Services.AddSingleton<JobParking>();
        builder.Services.AddSingleton<CallNumbers>();
        builder.Services.AddSingleton<GenerationCancellations>();
        builder.Services.AddSingleton<ModelRateLimiter>();
        builder.Services.AddSingleton<InferenceMetrics>();
        // The chat client's OpenTelemetry wrapper times every streamed chunk, one histogram update (and exemplar) per token
        // on the answer's path, 3 % of the worker's CPU at 100 paced answers; llm_output_tokens_per_second and
        // llm_time_to_first_token say the same per call.
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics =>
            metrics.AddView(ModelRegistry.PerChunkMetric, MetricStreamConfiguration.Drop));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<GenerationCancellationListener>();
        builder.Services.AddSingleton<ModelAvailabilityMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelAvailabilityMonitor>());
        builder.Services.AddHealthChecks().AddCheck<ModelCatalogHealthCheck>("models", tags: [HealthTags.Ready]);
    }
}
