using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Turns;

public static class JobPriorities
{
    public static bool TryParse(string? value, out JobPriority priority)
    {
        priority = JobPriority.Medium;
        return value is null || Enum.TryParse(value, ignoreCase: true, out priority) && Enum.IsDefined(priority);
    }

    public static string Name(JobPriority priority) => priority.ToString().ToLowerInvariant();
}
