using System.Diagnostics;
using System.Text.RegularExpressions;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>The seeds' metrics on the services' Prometheus endpoints, named and shaped so promtool accepts them.</summary>
[Collection(StackCollection.Name)]
public sealed class MetricsTests(TaskFlowStack stack)
{
    [Fact]
    public async Task Model_metrics_have_the_seeds_names_labels_and_buckets_after_a_few_turns()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("count me in the metrics");
        await socket.ReceiveUntilAsync("ai_done");
        await socket.SendUserMessageAsync("and fail me [[fail:404]]");
        await socket.ReceiveUntilAsync("ai_error");

        var worker = await Eventually.GetAsync(async () =>
        {
            var text = await ScrapeAsync(ServiceNames.InferenceWorker);
            return text.Contains("code=\"MODEL_NOT_FOUND\"", StringComparison.Ordinal) ? text : null;
        }, what: "the failure to show in the worker's metrics");

        Assert.Matches(Sample("llm_requests_total", ("model", FakeModelServer.ModelName), ("provider", "ollama"), ("status", "completed")), worker);
        Assert.Matches(Sample("llm_requests_total", ("model", FakeModelServer.ModelName), ("provider", "ollama"), ("status", "failed")), worker);
        Assert.Contains("# TYPE llm_latency_seconds histogram", worker, StringComparison.Ordinal);
        foreach (var edge in new[] { "0.1", "0.5", "1", "3", "5" })
        {
            Assert.Matches(Sample("llm_latency_seconds_bucket", ("model", FakeModelServer.ModelName), ("le", edge)), worker);
        }
        Assert.Contains("# TYPE llm_time_to_first_token_seconds histogram", worker, StringComparison.Ordinal);
        Assert.Matches(Sample("llm_failures_total", ("model", FakeModelServer.ModelName), ("code", "MODEL_NOT_FOUND")), worker);
        Assert.Matches(Sample("llm_generated_tokens_total", ("model", FakeModelServer.ModelName)), worker);
        Assert.Contains("# TYPE llm_output_tokens_per_second histogram", worker, StringComparison.Ordinal);
        Assert.Matches(Sample("queue_job_wait_seconds_bucket", ("priority", "medium")), worker);
        // The chat client's per-call GenAI metrics stay; its per-chunk histogram (an update per streamed token) is dropped.
        Assert.Contains("# TYPE gen_ai_client_operation_duration_seconds histogram", worker, StringComparison.Ordinal);
        Assert.DoesNotContain("gen_ai_client_operation_time_per_output_chunk", worker, StringComparison.Ordinal);

        var chat = await ScrapeAsync(ServiceNames.ChatSocket);
        Assert.Contains("# TYPE ws_connections_active gauge", chat, StringComparison.Ordinal);
        var open = Regex.Match(chat, @"^ws_connections_active(\{[^}]*\})? (-?\d+)", RegexOptions.Multiline);
        Assert.True(open.Success && int.Parse(open.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1,
            $"this test's socket is open: {string.Join(" | ", chat.Split('\n').Where(l => l.StartsWith("ws_connections_active", StringComparison.Ordinal)))}");
        Assert.Matches(Sample("queue_jobs_waiting", ("priority", "high")), chat);
        Assert.Matches(Sample("queue_jobs_processing", ("priority", "low")), chat);
    }

    [Fact]
    public async Task Every_services_metrics_pass_promtool()
    {
        foreach (var service in ServiceNames.All)
        {
            var text = await ScrapeAsync(service);
            var (exitCode, output) = await PromtoolAsync(text);
            Assert.True(exitCode == 0, $"promtool check metrics on {service}:\n{output}");
        }
    }

    private async Task<string> ScrapeAsync(string service)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(new Uri(stack.Services[service].OperatorUrl), "/metrics"));
    }

    /// <summary>A sample line with these labels (in any order, among others).</summary>
    private static Regex Sample(string name, params (string Label, string Value)[] labels) =>
        new($"^{Regex.Escape(name)}\\{{{string.Concat(labels.Select(l => $"(?=[^}}]*{Regex.Escape(l.Label)}=\"{Regex.Escape(l.Value)}\")"))}[^}}]*\\}} ", RegexOptions.Multiline);

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(string metrics)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(promtool), "promtool is missing: apt-get install prometheus (.ci/run does).");
        using var process = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
