namespace TaskFlow.Tests.Support;

/// <summary>The repository this test build came from, found through the AppHost project the tests reference.</summary>
public static class Repository
{
    /// <summary>The folder holding TaskFlow.sln (src/TaskFlow.AppHost is two levels below it).</summary>
    public static string Root { get; } = Path.GetFullPath(Path.Combine(
        Directory.Exists(Projects.TaskFlow_AppHost.ProjectPath) ? Projects.TaskFlow_AppHost.ProjectPath : Path.GetDirectoryName(Projects.TaskFlow_AppHost.ProjectPath)!,
        "..", ".."));
}
