using System.Text.Json;
using k8s;
using k8s.Models;

namespace TaskFlow.UnitTests.Kubernetes;

/// <summary>
/// Every rendered object against the Kubernetes API's schemas, offline: tests/k8s-schema (kubernetes-models and
/// KEDA's models, JSON schemas generated from the API's OpenAPI definitions: required fields, types, enums) and
/// KubernetesClient's types read strictly (no field the API does not know).
/// </summary>
public sealed class SchemaTests
{
    public static TheoryData<Variant> Variants => new(Enum.GetValues<Variant>());

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_rendered_object_validates_against_the_API_schemas(Variant variant)
    {
        var rendered = RenderedOverlay.Of(variant);

        var results = Validate(rendered.Yaml, out var exitCode);

        var failures = results.Where(r => r.Errors.Count > 0).Select(r => $"{r.Kind} {r.Name}: {string.Join("; ", r.Errors)}").ToList();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(0, exitCode);
        Assert.Equal(rendered.Objects.Count + rendered.CustomDocuments.Count, results.Count);
    }

    [Fact]
    public void The_schema_validator_refuses_a_broken_object()
    {
        const string broken = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: broken
            spec:
              template:
                spec:
                  containers:
                    - image: taskflow/web
                      ports:
                        - containerPort: "8080"
            """;

        var results = Validate(broken, out var exitCode);

        Assert.Equal(1, exitCode);
        var errors = string.Join(' ', Assert.Single(results).Errors);
        Assert.Contains("selector", errors, StringComparison.Ordinal);
        Assert.Contains("must have required property name", errors, StringComparison.Ordinal);
        Assert.Contains("containerPort must be integer", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_the_API_does_not_know_is_refused()
    {
        const string misplaced = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector:
                app.kubernetes.io/name: web
              port: 8080
            """;

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(misplaced, typeMap: null, strict: true));
        Assert.IsType<V1Service>(Assert.Single(KubernetesYaml.LoadAllFromString(misplaced.Replace("  port: 8080", "  ports: [{port: 8080}]", StringComparison.Ordinal), typeMap: null, strict: true)));
    }

    private sealed record Result(string? Kind, string? Name, IReadOnlyList<string> Errors);

    private static List<Result> Validate(string yaml, out int exitCode)
    {
        var validator = Path.Combine(RenderedOverlay.RepositoryRoot, "tests", "k8s-schema");
        if (!Directory.Exists(Path.Combine(validator, "node_modules", "kubernetes-models")))
        {
            throw new Xunit.Sdk.XunitException($"The schema validator's packages are not installed: run `npm ci --prefix {Path.GetRelativePath(Environment.CurrentDirectory, validator)}` (.ci/run does).");
        }
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, yaml);
            (exitCode, var output, var error) = RenderedOverlay.Execute("node", [Path.Combine(validator, "validate.mjs"), file], validator);
            Assert.True(exitCode is 0 or 1, $"The schema validator failed (exit code {exitCode}): {error}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith('{'))
                .Select(line => JsonSerializer.Deserialize<Result>(line, JsonSerializerOptions.Web)!)
                .ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
