using System.Text.RegularExpressions;
using k8s.Models;

namespace TaskFlow.UnitTests.Kubernetes;

/// <summary>What an operator may take for granted in every overlay: limits, probes, no root, one way in, a disruption
/// budget for everything that runs, a scaler for the worker, migrations in one place, secrets from generators only.</summary>
public sealed partial class PolicyTests
{
    public static TheoryData<Variant> Variants => new(Enum.GetValues<Variant>());

    private static readonly string[] Services = ["gateway", "web", "chatsocket", "inferenceworker", "telemetry"];

    /// <summary>RabbitMQ's image writes its configuration at start; every other container runs read-only.</summary>
    private static readonly string[] WritableRoot = ["messaging"];

    private static IEnumerable<(string Owner, V1PodTemplateSpec Template)> PodTemplates(RenderedOverlay rendered) =>
        rendered.OfKind<V1Deployment>().Select(d => ($"Deployment {d.Metadata.Name}", d.Spec.Template))
            .Concat(rendered.OfKind<V1StatefulSet>().Select(s => ($"StatefulSet {s.Metadata.Name}", s.Spec.Template)))
            .Concat(rendered.OfKind<V1Job>().Select(j => ($"Job {j.Metadata.Name}", j.Spec.Template)));

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_container_has_requests_and_limits(Variant variant)
    {
        foreach (var (owner, template) in PodTemplates(RenderedOverlay.Of(variant)))
        {
            foreach (var container in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{owner}/{container.Name}: no {resource} request.");
                    Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{owner}/{container.Name}: no {resource} limit.");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_pod_runs_as_a_non_root_user_without_privileges(Variant variant)
    {
        foreach (var (owner, template) in PodTemplates(RenderedOverlay.Of(variant)))
        {
            var pod = template.Spec.SecurityContext;
            Assert.True(pod?.RunAsNonRoot == true, $"{owner}: runAsNonRoot is not set.");
            Assert.True(pod.RunAsUser is > 0, $"{owner}: no numeric non-root runAsUser (an image's named user cannot be verified).");
            Assert.Equal("RuntimeDefault", pod.SeccompProfile?.Type);
            Assert.False(template.Spec.AutomountServiceAccountToken ?? true, $"{owner}: mounts a service account token it does not use.");
            foreach (var container in template.Spec.Containers)
            {
                var security = container.SecurityContext;
                Assert.True(security?.AllowPrivilegeEscalation == false, $"{owner}/{container.Name}: allowPrivilegeEscalation is not false.");
                Assert.Equal(["ALL"], security.Capabilities?.Drop ?? []);
                Assert.Null(security.Capabilities?.Add);
                Assert.NotEqual(true, security.Privileged);
                var readOnly = security.ReadOnlyRootFilesystem == true;
                Assert.True(readOnly != WritableRoot.Contains(container.Name), $"{owner}/{container.Name}: readOnlyRootFilesystem is {readOnly}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_service_has_liveness_readiness_and_startup_probes_and_a_graceful_stop(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        foreach (var name in Services)
        {
            var spec = rendered.Deployment(name).Spec.Template.Spec;
            var container = Assert.Single(spec.Containers);
            Assert.Equal("/alive", container.LivenessProbe?.HttpGet?.Path);
            Assert.Equal("/health", container.ReadinessProbe?.HttpGet?.Path);
            // /health answers only on the management port (ManagementPort): the probe must ask there.
            Assert.Equal("management", container.ReadinessProbe!.HttpGet!.Port.Value);
            Assert.NotNull(container.StartupProbe?.HttpGet);
            // Endpoints drop the pod during the preStop pause; then the host's 30 s shutdown (the worker hands its jobs
            // back, sockets close with 1012) must fit in the grace period.
            var pause = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
            Assert.True(pause > 0, $"{name}: no preStop pause.");
            Assert.True(spec.TerminationGracePeriodSeconds >= pause + 25, $"{name}: terminationGracePeriodSeconds {spec.TerminationGracePeriodSeconds} leaves no time to stop gracefully.");
        }
        foreach (var statefulSet in rendered.OfKind<V1StatefulSet>())
        {
            var container = Assert.Single(statefulSet.Spec.Template.Spec.Containers);
            Assert.NotNull(container.LivenessProbe);
            Assert.NotNull(container.ReadinessProbe);
            Assert.NotNull(container.StartupProbe);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Only_the_gateway_is_exposed(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        Assert.All(rendered.OfKind<V1Service>(), service => Assert.Equal("ClusterIP", service.Spec.Type));
        var ingress = Assert.Single(rendered.OfKind<V1Ingress>());
        var backends = ingress.Spec.Rules.SelectMany(r => r.Http.Paths).Select(p => p.Backend.Service).ToList();
        Assert.NotEmpty(backends);
        Assert.All(backends, backend => Assert.Equal(("gateway", "http"), (backend.Name, backend.Port.Name)));
        Assert.All(PodTemplates(rendered), pod =>
        {
            Assert.NotEqual(true, pod.Template.Spec.HostNetwork);
            Assert.All(pod.Template.Spec.Containers, c => Assert.All(c.Ports ?? [], p => Assert.Null(p.HostPort)));
        });
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Network_policies_deny_by_default_and_open_only_the_gateway_to_everyone(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        var policies = rendered.OfKind<V1NetworkPolicy>().ToList();
        var denyAll = policies.SingleOrDefault(p => p.Spec.PodSelector.MatchLabels is null && p.Spec.PodSelector.MatchExpressions is null
            && p.Spec.Ingress is null && p.Spec.Egress is null);
        Assert.True(denyAll is not null, "No default-deny policy.");
        Assert.Equal(["Ingress", "Egress"], denyAll.Spec.PolicyTypes.Order(StringComparer.Ordinal).Reverse());

        foreach (var policy in policies)
        {
            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                if (rule.FromProperty is null || rule.FromProperty.Count == 0)
                {
                    // From anywhere: only the gateway's public port.
                    Assert.Equal("gateway", policy.Spec.PodSelector.MatchLabels?["app.kubernetes.io/name"]);
                    Assert.True(rule.Ports is { Count: > 0 }, $"{policy.Metadata.Name}: a rule from anywhere to every port.");
                    Assert.Equal([8080], rule.Ports.Select(p => int.Parse(p.Port.Value, System.Globalization.CultureInfo.InvariantCulture)));
                }
                if (rule.Ports?.Any(p => p.Port?.Value == "8000") == true)
                {
                    // The management port (/metrics, /health): from the monitoring namespace only.
                    Assert.True(rule.FromProperty is { Count: > 0 }, $"{policy.Metadata.Name}: the management port is open to anyone.");
                    Assert.All(rule.FromProperty, peer => Assert.Equal("monitoring", peer.NamespaceSelector?.MatchLabels?["kubernetes.io/metadata.name"]));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Everything_that_runs_has_a_disruption_budget_and_the_front_has_autoscalers(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        var budgets = rendered.OfKind<V1PodDisruptionBudget>().ToList();
        var workloads = rendered.OfKind<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Selector.MatchLabels))
            .Concat(rendered.OfKind<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Selector.MatchLabels)));
        foreach (var (name, labels) in workloads)
        {
            Assert.True(budgets.Count(b => b.Spec.Selector.MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)) == 1,
                $"{variant}: {name} has no PodDisruptionBudget of its own.");
        }

        var autoscaled = rendered.OfKind<V2HorizontalPodAutoscaler>().Select(h => h.Spec.ScaleTargetRef.Name).ToList();
        Assert.Contains("gateway", autoscaled);
        Assert.Contains("chatsocket", autoscaled);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_worker_has_exactly_one_scaler_KEDA_on_the_job_queue_where_chosen(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        var hpa = rendered.OfKind<V2HorizontalPodAutoscaler>().Where(h => h.Spec.ScaleTargetRef.Name == "inferenceworker").ToList();
        var scaledObjects = rendered.CustomDocuments.Where(d => d.Contains("kind: ScaledObject", StringComparison.Ordinal)).ToList();
        if (!rendered.WithKeda)
        {
            Assert.Single(hpa);
            Assert.Empty(scaledObjects);
            return;
        }
        Assert.Empty(hpa);
        var scaledObject = Assert.Single(scaledObjects);
        Assert.Contains("name: inferenceworker", scaledObject, StringComparison.Ordinal);
        Assert.Contains("type: rabbitmq", scaledObject, StringComparison.Ordinal);
        // The worker's queue (GenerateReplyEndpoint.QueueName).
        Assert.Contains($"queueName: {TaskFlow.InferenceWorker.Generation.GenerateReplyEndpoint.QueueName}", scaledObject, StringComparison.Ordinal);
        // Its credentials are the generated Secret's, under its hashed name.
        var secret = rendered.OfKind<V1Secret>().Single(s => s.Metadata.Name.StartsWith("taskflow-connections", StringComparison.Ordinal)).Metadata.Name;
        var authentication = Assert.Single(rendered.CustomDocuments, d => d.Contains("kind: TriggerAuthentication", StringComparison.Ordinal));
        Assert.Contains($"name: {secret}", authentication, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Migrations_run_once_in_the_migration_job_and_the_replicas_wait_for_them(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        var job = Assert.Single(rendered.OfKind<V1Job>());
        var owners = Services.Where(name => rendered.Deployment(name).Spec.Template.Spec.Containers[0].Env.Any(e => e.Name == "ConnectionStrings__taskflowdb")).ToList();
        Assert.Equal(["web", "chatsocket", "telemetry"], owners);
        Assert.Equal(owners, job.Spec.Template.Spec.Containers.Select(c => c.Name));
        foreach (var container in job.Spec.Template.Spec.Containers)
        {
            Assert.Equal(rendered.Deployment(container.Name).Spec.Template.Spec.Containers[0].Image, container.Image);
            Assert.Equal([Microsoft.Extensions.Hosting.DatabaseMigrations.MigrateSwitch], container.Args);
        }
        foreach (var name in Services)
        {
            var mode = rendered.Deployment(name).Spec.Template.Spec.Containers[0].Env.SingleOrDefault(e => e.Name == "Database__Migrations")?.Value;
            Assert.Equal(owners.Contains(name) ? "Wait" : null, mode);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_referenced_Secret_and_ConfigMap_is_rendered_and_generated(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);
        var secrets = rendered.OfKind<V1Secret>().Select(s => s.Metadata.Name).ToHashSet();
        var configMaps = rendered.OfKind<V1ConfigMap>().Select(c => c.Metadata.Name).ToHashSet();
        // Generated objects carry kustomize's content hash, so a changed password rolls the pods that use it.
        Assert.All(secrets.Concat(configMaps), name => Assert.Matches(HashSuffix(), name));
        foreach (var (owner, template) in PodTemplates(rendered))
        {
            foreach (var container in template.Spec.Containers)
            {
                foreach (var reference in (container.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>())
                {
                    Assert.True(secrets.Contains(reference.Name) || reference.Optional == true, $"{owner}/{container.Name}: Secret {reference.Name} is not rendered.");
                }
                foreach (var reference in (container.EnvFrom ?? []).Select(e => e.ConfigMapRef).OfType<V1ConfigMapEnvSource>())
                {
                    Assert.Contains(reference.Name, configMaps);
                }
            }
        }
    }

    [Fact]
    public void No_secret_is_committed()
    {
        var tracked = RenderedOverlay.Run("git", ["ls-files", "deploy/k8s"], RenderedOverlay.RepositoryRoot)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(tracked);
        Assert.DoesNotContain(tracked, path => path.EndsWith(".env", StringComparison.Ordinal));
        Assert.All(tracked.Where(path => path.EndsWith(".yaml", StringComparison.Ordinal)), path =>
            Assert.DoesNotMatch(SecretKind(), File.ReadAllText(Path.Combine(RenderedOverlay.RepositoryRoot, path))));
        // The files generate-secrets.sh writes are ignored wherever an operator's clone puts them.
        foreach (var overlay in new[] { "self-contained", "managed" })
        {
            var file = $"deploy/k8s/overlays/{overlay}/secrets/connections.env";
            Assert.Equal(file, RenderedOverlay.Run("git", ["check-ignore", "--no-index", file], RenderedOverlay.RepositoryRoot).Trim());
        }
    }

    [GeneratedRegex(@"-[a-z0-9]{10}$")]
    private static partial Regex HashSuffix();

    [GeneratedRegex(@"(?m)^kind:\s*Secret\s*$")]
    private static partial Regex SecretKind();
}
