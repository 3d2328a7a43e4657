using Microsoft.AspNetCore.Http.HttpResults;
using TaskFlow.ChatSocket.Models;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.ChatSocket.Api;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/models", ListAsync)
            .WithTags("Models")
            .RequireAuthorization()
            .WithSummary("Models the running workers serve; the default comes first. An offline default means no real model is connected.");
        return app;
    }

    private static async Task<Ok<ModelList>> ListAsync(ModelCatalogReader catalog)
    {
        var models = await catalog.ListAsync();
        return TypedResults.Ok(new ModelList(models, models.FirstOrDefault(m => m.IsDefault)?.Id));
    }
}

public sealed record ModelList(IReadOnlyList<ModelAdvertisement> Models, string? DefaultModel);
