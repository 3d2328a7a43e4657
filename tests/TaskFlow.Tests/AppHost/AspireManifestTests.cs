using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// The Aspire manifest of the container-mode AppHost (<c>--publisher manifest</c>), the input of the Kubernetes work:
/// its shape, and <c>deploy/aspire-manifest.json</c> kept equal to what the AppHost produces.
/// </summary>
public sealed class AspireManifestTests : IDisposable
{
    /// <summary>How to regenerate the committed file (docs/aspire.md), from the repository's root.</summary>
    public const string RegenerateCommand =
        "dotnet run --project src/TaskFlow.AppHost -- --publisher manifest --output-path ../../deploy/aspire-manifest.json --TaskFlow:Infrastructure=Containers";

    private static readonly string s_committed = Path.GetFullPath(Path.Combine(AppHostProcess.ProjectDirectory, "..", "..", "deploy", "aspire-manifest.json"));

    private readonly string _output = Path.Combine(Path.GetTempPath(), "taskflow-manifest-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task The_container_mode_manifest_has_the_servers_as_containers_and_the_services_with_the_contracts_keys()
    {
        var resources = (await PublishAsync())["resources"]!.AsObject();

        Assert.Equal("container.v0", Type(resources, "redis"));
        Assert.StartsWith("docker.io/library/redis:", (string?)resources["redis"]!["image"], StringComparison.Ordinal);
        Assert.Equal("container.v0", Type(resources, "postgres"));
        Assert.StartsWith("docker.io/library/postgres:", (string?)resources["postgres"]!["image"], StringComparison.Ordinal);
        Assert.Equal("container.v0", Type(resources, "messaging"));
        Assert.StartsWith("docker.io/library/rabbitmq:", (string?)resources["messaging"]!["image"], StringComparison.Ordinal);
        // The database is the PostgreSQL container's, under the contract's name.
        Assert.Equal("{postgres.connectionString};Database=taskflowdb", (string?)resources["taskflowdb"]!["connectionString"]);
        Assert.Equal("{chat.value}", (string?)resources["chat"]!["connectionString"]);
        // Container mode has no local executables (no epmd of its own for RabbitMQ).
        Assert.DoesNotContain(resources, r => Type(resources, r.Key) == "executable.v0");

        var expected = new Dictionary<string, string[]>
        {
            ["web"] = ["ConnectionStrings__redis", "ConnectionStrings__taskflowdb"],
            ["chatsocket"] = ["ConnectionStrings__redis", "ConnectionStrings__taskflowdb", "ConnectionStrings__messaging"],
            ["inferenceworker"] = ["ConnectionStrings__redis", "ConnectionStrings__messaging", "ConnectionStrings__chat"],
            ["telemetry"] = ["ConnectionStrings__redis", "ConnectionStrings__taskflowdb", "ConnectionStrings__messaging"],
            ["gateway"] = ["services__web__http__0", "services__chatsocket__http__0", "services__telemetry__http__0", "Management__Port"],
        };
        Assert.Equal(expected.Keys.Order(), resources.Where(r => Type(resources, r.Key) == "project.v0").Select(r => r.Key).Order());
        foreach (var (service, keys) in expected)
        {
            var env = resources[service]!["env"]!.AsObject();
            foreach (var key in keys)
            {
                var value = (string?)env[key];
                Assert.False(string.IsNullOrEmpty(value), $"{service} lacks {key} in the manifest.");
                // A reference to another resource of the manifest, never a value of this machine.
                Assert.Matches(@"^\{[a-z-]+\.(connectionString|bindings\.[a-z]+\.(url|targetPort))\}$", value);
            }

            Assert.Equal("Production", (string?)env["ASPNETCORE_ENVIRONMENT"]);
        }

        Assert.Equal("{web.bindings.http.url}", (string?)resources["gateway"]!["env"]!["services__web__http__0"]);
        // The gateway is the one public entry point; its management port is not.
        Assert.True((bool?)resources["gateway"]!["bindings"]!["http"]!["external"]);
        Assert.Null(resources["gateway"]!["bindings"]!["management"]!["external"]);
        Assert.All(expected.Keys.Where(s => s != "gateway"), s => Assert.Null(resources[s]!["bindings"]!["http"]!["external"]));
    }

    [Fact]
    public async Task The_committed_manifest_is_what_the_apphost_produces()
    {
        var produced = Normalize(await PublishAsync(), _output);
        Assert.True(File.Exists(s_committed), $"{s_committed} is missing. Produce it with: {RegenerateCommand}");
        var committed = Normalize(JsonNode.Parse(await File.ReadAllTextAsync(s_committed))!, Path.GetDirectoryName(s_committed)!);

        var expected = committed.ToJsonString(s_indented).Split('\n');
        var actual = produced.ToJsonString(s_indented).Split('\n');
        var firstDifference = Enumerable.Range(0, Math.Max(expected.Length, actual.Length))
            .FirstOrDefault(i => i >= expected.Length || i >= actual.Length || expected[i] != actual[i], -1);
        Assert.True(firstDifference < 0,
            $"deploy/aspire-manifest.json is out of date with the AppHost (line {firstDifference + 1}: committed " +
            $"'{expected.ElementAtOrDefault(firstDifference)?.Trim()}', produced '{actual.ElementAtOrDefault(firstDifference)?.Trim()}'). " +
            $"Regenerate it from the repository's root, in a shell without TASKFLOW_* or service settings: {RegenerateCommand}");
    }

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>
    /// A project's <c>path</c> is relative to the manifest's folder: made relative to the repository's root, so a
    /// manifest written anywhere compares equal. Nothing else in it depends on the machine (volume names hash the
    /// project's file name, not its path; passwords are parameters).
    /// </summary>
    private static JsonNode Normalize(JsonNode manifest, string manifestDirectory)
    {
        var root = Path.GetFullPath(Path.Combine(AppHostProcess.ProjectDirectory, "..", ".."));
        foreach (var (_, resource) in manifest["resources"]!.AsObject())
        {
            if (resource?["path"] is JsonValue path)
            {
                var full = Path.GetFullPath(Path.Combine(manifestDirectory, (string)path!));
                resource["path"] = Path.GetRelativePath(root, full);
            }
        }

        return manifest;
    }

    /// <summary>Runs the built AppHost's manifest publisher in container mode, without this machine's run settings.</summary>
    private async Task<JsonNode> PublishAsync()
    {
        var file = Path.Combine(_output, "aspire-manifest.json");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppHostProcess.ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { AppHostProcess.BuiltDll(), "--publisher", "manifest", "--output-path", file, "--TaskFlow:Infrastructure=Containers" })
        {
            start.ArgumentList.Add(argument);
        }

        // ./run.sh's settings and service settings in this environment would land in the manifest.
        foreach (var key in start.Environment.Keys.Where(IsRunSetting).ToList())
        {
            start.Environment.Remove(key);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0 && File.Exists(file), $"The manifest publisher failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        return JsonNode.Parse(await File.ReadAllTextAsync(file))!;
    }

    private static bool IsRunSetting(string key) =>
        key.StartsWith("TASKFLOW_", StringComparison.OrdinalIgnoreCase)
        || s_settingPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] s_settingPrefixes =
        ["Chat__", "Inference__", "Models__", "Queue__", "Security__", "Telemetry__", "ConnectionStrings__", "TaskFlow__", "OTEL_TRACES_SAMPLER"];

    private static string? Type(JsonObject resources, string name) => (string?)resources[name]?["type"];

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }
}
