using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace TaskFlow.UnitTests.Kubernetes;

/// <summary>The overlays an operator can apply: each of deploy/k8s/overlays, alone or with the KEDA component.</summary>
public enum Variant
{
    SelfContained,
    Managed,
    SelfContainedWithKeda,
    ManagedWithKeda,
}

/// <summary>
/// One overlay rendered as an operator renders it: a copy of deploy/k8s, its secret files written by
/// generate-secrets.sh (self-contained) or copied from the example (managed), the KEDA component switched on by
/// uncommenting it, then <c>kubectl kustomize</c>. The objects are read into KubernetesClient's API types with unknown
/// fields refused; KEDA's kinds, which it has no types for, are kept as documents.
/// </summary>
public sealed partial class RenderedOverlay
{
    private RenderedOverlay(Variant variant, string yaml, IReadOnlyList<IKubernetesObject> objects, IReadOnlyList<string> customDocuments)
    {
        Variant = variant;
        Yaml = yaml;
        Objects = objects;
        CustomDocuments = customDocuments;
    }

    public Variant Variant { get; }

    public string Yaml { get; }

    public IReadOnlyList<IKubernetesObject> Objects { get; }

    /// <summary>Documents of kinds outside the Kubernetes API (KEDA's), as rendered.</summary>
    public IReadOnlyList<string> CustomDocuments { get; }

    public bool SelfContained => Variant is Variant.SelfContained or Variant.SelfContainedWithKeda;

    public bool WithKeda => Variant is Variant.SelfContainedWithKeda or Variant.ManagedWithKeda;

    public IEnumerable<T> OfKind<T>() => Objects.OfType<T>();

    public V1Deployment Deployment(string name) =>
        OfKind<V1Deployment>().SingleOrDefault(d => d.Metadata.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"{Variant} renders no Deployment '{name}'.");

    public static string RepositoryRoot { get; } =
        typeof(RenderedOverlay).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static string DeployDirectory => Path.Combine(RepositoryRoot, "deploy", "k8s");

    private static readonly Dictionary<Variant, Lazy<RenderedOverlay>> s_rendered = Enum.GetValues<Variant>()
        .ToDictionary(v => v, v => new Lazy<RenderedOverlay>(() => Render(v)));

    public static RenderedOverlay Of(Variant variant) => s_rendered[variant].Value;

    private static RenderedOverlay Render(Variant variant)
    {
        var copy = Directory.CreateTempSubdirectory("taskflow-k8s-").FullName;
        try
        {
            CopyTree(DeployDirectory, copy);
            var overlay = variant is Variant.SelfContained or Variant.SelfContainedWithKeda ? "self-contained" : "managed";
            if (overlay == "self-contained")
            {
                Run("bash", [Path.Combine(copy, "generate-secrets.sh"), overlay], copy);
            }
            else
            {
                var secrets = Path.Combine(copy, "overlays", overlay, "secrets");
                File.Copy(Path.Combine(secrets, "connections.env.example"), Path.Combine(secrets, "connections.env"));
            }
            if (variant is Variant.SelfContainedWithKeda or Variant.ManagedWithKeda)
            {
                EnableKeda(Path.Combine(copy, "overlays", overlay, "kustomization.yaml"));
            }
            var yaml = Run("kubectl", ["kustomize", Path.Combine(copy, "overlays", overlay)], copy);
            var (objects, custom) = Parse(yaml);
            return new RenderedOverlay(variant, yaml, objects, custom);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>What the overlay's own instructions say to do: uncomment the two <c>components</c> lines.</summary>
    private static void EnableKeda(string kustomization)
    {
        var text = File.ReadAllText(kustomization);
        var enabled = text.Replace("# components:\n#   - ../../components/keda", "components:\n  - ../../components/keda", StringComparison.Ordinal);
        if (enabled == text)
        {
            throw new InvalidOperationException($"{kustomization} no longer has the commented KEDA component these tests switch on.");
        }
        File.WriteAllText(kustomization, enabled);
    }

    private static (List<IKubernetesObject> Objects, List<string> Custom) Parse(string yaml)
    {
        var objects = new List<IKubernetesObject>();
        var custom = new List<string>();
        foreach (var document in DocumentSeparator().Split(yaml).Where(d => !string.IsNullOrWhiteSpace(d)))
        {
            if (ApiVersionLine().Match(document).Groups[1].Value.StartsWith("keda.sh/", StringComparison.Ordinal))
            {
                custom.Add(document);
                continue;
            }
            // strict: a field the API does not know (a typo, a wrong level) fails here.
            objects.AddRange(KubernetesYaml.LoadAllFromString(document, typeMap: null, strict: true).Cast<IKubernetesObject>());
        }
        return (objects, custom);
    }

    internal static string Run(string program, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var (exitCode, output, error) = Execute(program, arguments, workingDirectory);
        return exitCode == 0
            ? output
            : throw new Xunit.Sdk.XunitException($"{program} {string.Join(' ', arguments)} exited with {exitCode}:\n{error}\n{output}");
    }

    internal static (int ExitCode, string Output, string Error) Execute(string program, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"'{program}' could not be started ({ex.Message}). The Kubernetes tests need kubectl 1.27 or newer (kustomize v5) and Node.js 20 or newer on PATH; see README, 'Tests'.");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            // An operator's own secret files in the working tree are not the tests' business.
            if (file.EndsWith(".env", StringComparison.Ordinal))
            {
                continue;
            }
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"^apiVersion:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ApiVersionLine();
}
