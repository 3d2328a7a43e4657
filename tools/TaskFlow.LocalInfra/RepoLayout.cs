using System.Reflection;

namespace TaskFlow.LocalInfra;

/// <summary>Where the repository and the built services are.</summary>
public static class RepoLayout
{
    /// <summary>The solution file that marks the repository root.</summary>
    public const string SolutionFileName = "TaskFlow.sln";

    /// <summary>Target framework folder under bin/&lt;Configuration&gt;/.</summary>
    public const string TargetFramework = "net10.0";

    /// <summary>The build configuration this assembly was built with (Debug or Release): services are looked up under the same one.</summary>
    public static string BuildConfiguration { get; } =
        typeof(RepoLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TaskFlow.BuildConfiguration")?.Value ?? "Debug";

    /// <summary>
    /// The folder holding TaskFlow.sln: TASKFLOW_REPO_ROOT if set, else the first one found walking up from
    /// AppContext.BaseDirectory, then from the current directory.
    /// </summary>
    public static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("TASKFLOW_REPO_ROOT") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InfraException($"Could not find {SolutionFileName} above {AppContext.BaseDirectory}; set TASKFLOW_REPO_ROOT to the repository folder.");
    }

    /// <summary><c>src/TaskFlow.X</c>: the service's project folder (its content root).</summary>
    public static string ProjectDirectory(string repoRoot, string projectName) => Path.Combine(repoRoot, "src", projectName);

    /// <summary><c>src/TaskFlow.X/bin/&lt;Configuration&gt;/net10.0/TaskFlow.X.dll</c>.</summary>
    public static string ServiceAssembly(string repoRoot, string projectName, string? configuration = null) =>
        Path.Combine(ProjectDirectory(repoRoot, projectName), "bin", configuration ?? BuildConfiguration, TargetFramework, projectName + ".dll");

    /// <summary>The dotnet host to launch services with (the one running us when that is dotnet, else DOTNET_HOST_PATH, else PATH).</summary>
    public static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return ManagedProcess.Which("dotnet") ?? throw new InfraException("dotnet was not found on PATH: install the .NET 10 SDK (https://dot.net).");
    }
}
