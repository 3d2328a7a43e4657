using System.Text.RegularExpressions;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>Telemetry's own counters are exported under the names docs/observability.md gives them.</summary>
[Collection(StackCollection.Name)]
public sealed partial class TelemetryMetricsTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Telemetrys_counters_are_exported_and_every_one_is_documented_by_its_name()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("Write to pat.lee@example.com about it");
        var events = await socket.ReceiveUntilAsync("ai_done", "ai_error");
        var conversationId = Guid.Parse(events.First(e => e.Type() == "message_accepted").Str("conversationId"));
        await Eventually.GetAsync(async () => (await InferenceLogs.TextOfConversationAsync(stack, conversationId)).Count > 0 ? "logged" : null,
            what: "the turn's inference log");
        using (var deleted = await user.Http.DeleteAsync($"/api/conversations/{conversationId}"))
        {
            deleted.EnsureSuccessStatusCode();
        }

        using var http = new HttpClient();
        var metrics = await Eventually.GetAsync(async () =>
        {
            var text = await http.GetStringAsync(new Uri(new Uri(stack.Services[ServiceNames.Telemetry].OperatorUrl), "/metrics"));
            return text.Contains("taskflow_telemetry_inference_logs_scrubbed_total", StringComparison.Ordinal) ? text : null;
        }, what: "the scrub to show in Telemetry's metrics");

        var exported = TelemetryName().Matches(metrics).Select(m => m.Value).ToHashSet();
        Assert.Contains("taskflow_telemetry_inference_logs_stored_total", exported);
        Assert.Matches(@"taskflow_telemetry_pii_redactions_total\{[^}]*pii_kind=""email""", metrics);
        var documented = TelemetryName().Matches(await File.ReadAllTextAsync(ObservabilityDoc())).Select(m => m.Value).ToHashSet();
        Assert.Empty(exported.Except(documented));
    }

    private static string ObservabilityDoc()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var doc = Path.Combine(directory.FullName, "docs", "observability.md");
            if (File.Exists(doc))
            {
                return doc;
            }
        }
        throw new FileNotFoundException("docs/observability.md was not found above the test's directory.");
    }

    [GeneratedRegex(@"\btaskflow_telemetry_[a-z_]+_total\b")]
    private static partial Regex TelemetryName();
}
