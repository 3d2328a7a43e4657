namespace TaskFlow.Contracts.Chat;

/// <summary>Queue priority of a generation job. The values are the RabbitMQ message priorities the queue is declared with.</summary>
public enum JobPriority
{
    Low = 1,
    Medium = 5,
    High = 9,
}
