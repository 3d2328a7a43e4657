using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;

namespace TaskFlow.UnitTests.Kubernetes;

/// <summary>
/// deploy/k8s is written by hand; these keep it in step with the AppHost, through the AppHost's own description of
/// itself, deploy/aspire-manifest.json (which the system tests keep equal to what the AppHost publishes): every
/// project has its Deployment, Service and image; every key the AppHost gives a project is in its environment with
/// the value Kubernetes must give it; the servers keep their names, images and ports.
/// </summary>
public sealed partial class AppHostConsistencyTests
{
    public static TheoryData<Variant> Variants => new(Enum.GetValues<Variant>());

    public static TheoryData<string> Projects => new(Manifest.Projects.Select(p => p.Name));

    /// <summary>
    /// Keys Aspire adds beside each reference for programs in other languages (<c>REDIS_HOST</c>, <c>TASKFLOWDB_URI</c>,
    /// <c>WEB_HTTP</c>, ...) and the https twins of the services' addresses (TLS ends at the Ingress). No TaskFlow code
    /// reads them (checked below), so the Deployments leave them out rather than copy the passwords in them.
    /// </summary>
    private static bool IsAspireExtra(string key) => ReferenceExtra().IsMatch(key) || key.EndsWith("__https__0", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_AppHost_project_has_a_Deployment_with_every_key_the_AppHost_gives_it(string project)
    {
        var manifest = Manifest.Projects.Single(p => p.Name == project);
        foreach (var variant in Enum.GetValues<Variant>())
        {
            var rendered = RenderedOverlay.Of(variant);
            var deployment = rendered.Deployment(project);
            var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
            var env = container.Env.ToDictionary(e => e.Name);

            foreach (var (key, value) in manifest.Env.Where(e => !IsAspireExtra(e.Key)))
            {
                Assert.True(env.TryGetValue(key, out var entry), $"{variant}: Deployment '{project}' lacks {key}, which the AppHost sets to {value}.");
                AssertEquivalent(rendered, project, container, key, value, entry!);
            }
            Assert.Equal(project, env["OTEL_SERVICE_NAME"].Value);
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_AppHost_project_has_a_Service_and_the_image_its_project_publishes(string project)
    {
        var csproj = Directory.GetFiles(Path.Combine(RenderedOverlay.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Single(path => string.Equals(Path.GetFileNameWithoutExtension(path), $"TaskFlow.{project}", StringComparison.OrdinalIgnoreCase));
        var repository = XDocument.Load(csproj).Descendants("ContainerRepository").SingleOrDefault()?.Value;
        Assert.Equal($"taskflow/{project}", repository);

        foreach (var variant in Enum.GetValues<Variant>())
        {
            var rendered = RenderedOverlay.Of(variant);
            var image = Assert.Single(rendered.Deployment(project).Spec.Template.Spec.Containers).Image;
            Assert.StartsWith($"{repository}:", image, StringComparison.Ordinal);

            var service = rendered.OfKind<V1Service>().SingleOrDefault(s => s.Metadata.Name == project);
            Assert.True(service is not null, $"{variant}: no Service '{project}'.");
            Assert.Equal(project, service.Spec.Selector["app.kubernetes.io/name"]);
            Assert.Equal("http", Assert.Single(service.Spec.Ports).TargetPort.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_self_contained_servers_keep_the_AppHost_names_images_and_ports(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        foreach (var server in Manifest.Containers)
        {
            var statefulSet = rendered.OfKind<V1StatefulSet>().SingleOrDefault(s => s.Metadata.Name == server.Name);
            if (!rendered.SelfContained)
            {
                Assert.Null(statefulSet);
                continue;
            }
            Assert.True(statefulSet is not null, $"{variant}: no StatefulSet '{server.Name}'.");
            var container = Assert.Single(statefulSet.Spec.Template.Spec.Containers);
            Assert.Equal(server.Image, container.Image);
            var service = rendered.OfKind<V1Service>().Single(s => s.Metadata.Name == server.Name);
            Assert.Equal(server.TargetPort, Assert.Single(service.Spec.Ports).Port);
            Assert.Contains(container.Ports, p => p.ContainerPort == server.TargetPort);
            // Data on a persistent volume, where the AppHost's container keeps it.
            var mount = Assert.Single(container.VolumeMounts, m => m.Name == "data");
            Assert.Equal(server.VolumeTarget, mount.MountPath);
            Assert.Contains(statefulSet.Spec.VolumeClaimTemplates, claim => claim.Metadata.Name == "data");
        }
    }

    [Fact]
    public void No_TaskFlow_code_reads_the_keys_the_Deployments_leave_out()
    {
        var left = Manifest.Projects.SelectMany(p => p.Env.Keys).Where(IsAspireExtra).Distinct().ToList();
        Assert.NotEmpty(left);
        var readers = Directory.GetFiles(Path.Combine(RenderedOverlay.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            // The AppHost writes such keys for the servers it starts; the services are the readers that matter.
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains("TaskFlow.AppHost", StringComparison.Ordinal))
            .Select(path => (Path: path, Text: File.ReadAllText(path)))
            .SelectMany(file => left.Where(key => file.Text.Contains(key.Replace("__", ":", StringComparison.Ordinal), StringComparison.Ordinal)
                || file.Text.Contains(key, StringComparison.Ordinal)).Select(key => $"{key} in {file.Path}"))
            .ToList();
        Assert.Empty(readers);
    }

    private static void AssertEquivalent(RenderedOverlay rendered, string project, V1Container container, string key, string manifestValue, V1EnvVar entry)
    {
        var where = $"{rendered.Variant}, {project}, {key}";
        if (ConnectionString().Match(manifestValue) is { Success: true } connection)
        {
            // A connection string carries a password: always from the Secret, under the resource's name.
            var reference = entry.ValueFrom?.SecretKeyRef;
            Assert.True(reference is not null, $"{where}: must come from a Secret, not a literal.");
            Assert.StartsWith("taskflow-connections", reference.Name, StringComparison.Ordinal);
            Assert.Equal(connection.Groups[1].Value, reference.Key);
            return;
        }
        if (ServiceUrl().Match(manifestValue) is { Success: true } url)
        {
            var target = url.Groups[1].Value;
            var port = Assert.Single(rendered.OfKind<V1Service>().Single(s => s.Metadata.Name == target).Spec.Ports).Port;
            Assert.True($"http://{target}:{port}" == entry.Value, $"{where}: {entry.Value}, expected http://{target}:{port}.");
            return;
        }
        if (TargetPort().Match(manifestValue) is { Success: true } targetPort)
        {
            var named = container.Ports.Single(p => p.Name == targetPort.Groups[2].Value);
            Assert.True(named.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == entry.Value, $"{where}: {entry.Value}, but the container's '{named.Name}' port is {named.ContainerPort}.");
            // Where the AppHost fixes the port (the gateway's management port), Kubernetes uses the same one.
            if (Manifest.FixedTargetPort(targetPort.Groups[1].Value, targetPort.Groups[2].Value) is { } fixedPort)
            {
                Assert.Equal(fixedPort, named.ContainerPort);
            }
            return;
        }
        Assert.DoesNotContain('{', manifestValue);
        Assert.True(manifestValue == entry.Value, $"{where}: '{entry.Value}', the AppHost sets '{manifestValue}'.");
    }

    [GeneratedRegex(@"^[A-Z][A-Z0-9]*_(HOST|PORT|URI|USERNAME|PASSWORD|DATABASENAME|JDBCCONNECTIONSTRING|HTTP|HTTPS)$")]
    private static partial Regex ReferenceExtra();

    [GeneratedRegex(@"^\{([a-z0-9-]+)\.connectionString\}$")]
    private static partial Regex ConnectionString();

    [GeneratedRegex(@"^\{([a-z0-9-]+)\.bindings\.http\.url\}$")]
    private static partial Regex ServiceUrl();

    [GeneratedRegex(@"^\{([a-z0-9-]+)\.bindings\.([a-z]+)\.targetPort\}$")]
    private static partial Regex TargetPort();

    /// <summary>deploy/aspire-manifest.json, the AppHost's published app model.</summary>
    private static class Manifest
    {
        private static readonly JsonElement s_resources = JsonDocument
            .Parse(File.ReadAllText(Path.Combine(RenderedOverlay.RepositoryRoot, "deploy", "aspire-manifest.json")))
            .RootElement.GetProperty("resources");

        public static IReadOnlyList<(string Name, Dictionary<string, string> Env)> Projects { get; } = s_resources.EnumerateObject()
            .Where(r => r.Value.GetProperty("type").GetString() == "project.v0")
            .Select(r => (r.Name, r.Value.GetProperty("env").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!)))
            .ToList();

        public static IReadOnlyList<(string Name, string Image, int TargetPort, string VolumeTarget)> Containers { get; } = s_resources.EnumerateObject()
            .Where(r => r.Value.GetProperty("type").GetString() == "container.v0")
            .Select(r => (r.Name, r.Value.GetProperty("image").GetString()!,
                r.Value.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32(),
                r.Value.GetProperty("volumes")[0].GetProperty("target").GetString()!))
            .ToList();

        public static int? FixedTargetPort(string resource, string binding) =>
            s_resources.GetProperty(resource).GetProperty("bindings").GetProperty(binding).TryGetProperty("targetPort", out var port) ? port.GetInt32() : null;
    }
}
