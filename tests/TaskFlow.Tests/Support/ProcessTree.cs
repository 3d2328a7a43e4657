using System.Globalization;

namespace TaskFlow.Tests.Support;

/// <summary>
/// Processes as /proc shows them. Aspire runs a project through <c>dotnet run</c> and shows that launcher's pid, so a
/// test that crashes a service kills the launcher's child, the service itself.
/// </summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> Children(int parent) => parent <= 0 ? [] :
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)];

    public static int ParentOf(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces, so count from its closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
