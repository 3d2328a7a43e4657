using TaskFlow.ChatSocket.Models;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Contracts.Text;

namespace TaskFlow.ChatSocket.OpenAi;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{model}</c>: the models that can answer now. A model whose server missed
/// the workers' last reachability probe is left out (OpenAI's model object has no way to mark it), so a client never
/// picks one that would only fail.
/// </summary>
public static class OpenAiModelsApi
{
    public static RouteGroupBuilder MapOpenAiModels(this RouteGroupBuilder api)
    {
        api.MapGet("/models", ListAsync).WithSummary("OpenAI-compatible model list: the models the workers serve and can reach now.");
        // Model ids may hold a slash ("openai/gpt-4o-mini"), which clients put in the path as is.
        api.MapGet("/models/{**model}", GetAsync).WithSummary("One model of the list, or 404 model_not_found.");
        return api;
    }

    /// <summary>The models a client may use now: those a worker serves whose server answered its last probe.</summary>
    public static IReadOnlyList<ModelAdvertisement> Offered(IEnumerable<ModelAdvertisement> models) => [.. models.Where(m => m.IsReachable)];

    public static string Unreachable(ModelAdvertisement model, IEnumerable<ModelAdvertisement> all) =>
        $"Model '{model.Id}' is configured, but its server did not answer the workers' last check " +
        $"({model.SeenAt:HH:mm:ss} UTC), so nothing can answer it now. Try again later, or use {Choices(all)}.";

    public static string Choices(IEnumerable<ModelAdvertisement> all) =>
        Offered(all) is { Count: > 0 } offered ? "one of: " + string.Join(", ", offered.Select(m => m.Id)) : "another model once one is reachable";

    private static async Task ListAsync(HttpContext http, ModelCatalogReader catalog)
    {
        var models = Offered(await catalog.ListAsync());
        await http.Response.WriteAsJsonAsync(new ModelListing("list", [.. models.Select(Card)]), OpenAiJson.Options);
    }

    private static async Task GetAsync(HttpContext http, string model, ModelCatalogReader catalog)
    {
        var models = await catalog.ListAsync();
        var match = models.FirstOrDefault(m => string.Equals(m.Id, model, StringComparison.OrdinalIgnoreCase));
        if (match is { IsReachable: true })
        {
            await http.Response.WriteAsJsonAsync(Card(match), OpenAiJson.Options);
            return;
        }
        await OpenAiErrors.InvalidAsync(http, "model", "model_not_found",
            match is null ? $"The model '{Named(model)}' does not exist here. Use {Choices(models)}." : Unreachable(match, models),
            StatusCodes.Status404NotFound);
    }

    /// <summary>A model name as the client sent it, cut short: an error message must not echo a megabyte back.</summary>
    public static string Named(string requested) => requested.Length <= 80 ? requested : StorableText.Prefix(requested, 79) + "…";

    private static ModelCard Card(ModelAdvertisement model) => new(model.Id, "model", model.SeenAt.ToUnixTimeSeconds(), model.Provider);
}
