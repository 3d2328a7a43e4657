using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Queue;

/// <summary>
/// Fairness between users on one RabbitMQ priority queue. Each chosen priority has two bands: a user's first
/// <see cref="FreshJobsPerUser"/> waiting jobs go in the upper band, the rest in the lower one. So one user's backlog
/// of 50 Medium jobs sits below another user's single Medium job, which therefore waits for at most the first
/// few of that backlog; priorities still dominate (a bulk High job outranks a fresh Medium one).
/// </summary>
public static class FairPriority
{
    public const int FreshJobsPerUser = 2;

    public static byte For(JobPriority priority, int userJobsAlreadyWaiting)
    {
        var fresh = userJobsAlreadyWaiting < FreshJobsPerUser;
        return priority switch
        {
            JobPriority.High => (byte)(fresh ? 9 : 8),
            JobPriority.Medium => (byte)(fresh ? 6 : 5),
            _ => (byte)(fresh ? 3 : 2),
        };
    }
}
