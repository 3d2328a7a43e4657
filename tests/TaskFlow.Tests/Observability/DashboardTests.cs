using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>The shipped scrape configuration is valid and the dashboard only charts metrics the services really export.</summary>
[Collection(StackCollection.Name)]
public sealed partial class DashboardTests(TaskFlowStack stack)
{
    private static readonly HashSet<string> PromQlWords =
        ["sum", "by", "rate", "histogram_quantile", "le", "model", "status", "priority", "code", "m"];

    [Fact]
    public async Task The_prometheus_configuration_and_its_rules_pass_promtool() =>
        await PromtoolAsync("check", "config", Path.Combine(PrometheusFolder, "prometheus.yml"));

    [Fact]
    public async Task The_recording_and_alerting_rules_compute_what_their_unit_tests_expect() =>
        await PromtoolAsync("test", "rules", Path.Combine(PrometheusFolder, "tests", "taskflow.rules.test.yml"));

    [Fact]
    public async Task Every_metric_the_dashboard_charts_is_exported_by_a_service()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("feed the dashboard");
        await socket.ReceiveUntilAsync("ai_done");
        await socket.SendUserMessageAsync("and a retry [[fail-times:1:503]]");
        await socket.ReceiveUntilAsync("ai_done");
        await socket.SendUserMessageAsync("and a failure [[fail:401]]");
        await socket.ReceiveUntilAsync("ai_error");

        var exported = new HashSet<string>();
        using var http = new HttpClient();
        foreach (var service in ServiceNames.All)
        {
            var text = await http.GetStringAsync(new Uri(new Uri(stack.Services[service].OperatorUrl), "/metrics"));
            exported.UnionWith(MetricName().Matches(text).Select(m => m.Groups[1].Value));
        }

        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "grafana", "taskflow-dashboard.json")));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(target => target.GetProperty("expr").GetString()!)).ToList();
        Assert.True(expressions.Count >= 8);
        var charted = expressions.SelectMany(expr => Identifier().Matches(expr).Select(m => m.Value)).Where(word => !PromQlWords.Contains(word)).ToHashSet();
        Assert.All(charted, metric => Assert.True(exported.Contains(metric), $"the dashboard charts {metric}, which no service exports"));
    }

    private static string PrometheusFolder => Path.Combine(Repository.Root, "deploy", "prometheus");

    private static async Task PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
    }

    [GeneratedRegex(@"^([a-z_][a-z0-9_]*)(?:\{| )", RegexOptions.Multiline)]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[a-z_][a-z0-9_]*")]
    private static partial Regex Identifier();
}
