using System.Collections.Concurrent;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>
/// The generations running in this worker, each with its own token, so one user's cancel stops exactly one job.
/// MassTransit has no API to cancel a single in-flight message; this is the linked-token-per-job pattern.
/// </summary>
public sealed class GenerationCancellations(IConnectionMultiplexer redis)
{
    private readonly ConcurrentDictionary<Guid, RunningGeneration> _running = new();

    /// <summary>Why the job was stopped before a worker got to it, if it was.</summary>
    public async Task<string?> ReasonAsync(Guid generationId)
    {
        var reason = await redis.GetDatabase().StringGetAsync(GenerationControl.CancelledKey(generationId));
        return reason.IsNullOrEmpty ? null : reason.ToString();
    }

    /// <summary>
    /// From now on a cancel of the job reaches it. A cancel published between the caller's first check and this
    /// registration is not seen: the caller looks at <see cref="ReasonAsync"/> once more after it.
    /// </summary>
    public RunningGeneration Register(Guid generationId, CancellationToken consumeToken)
    {
        var running = new RunningGeneration(generationId, this, consumeToken);
        _running[generationId] = running;
        return running;
    }

    /// <summary><see cref="Register"/>, then the second look at the stored reason, which cancels the job if it finds one.</summary>
    public async Task<RunningGeneration> RegisterAsync(Guid generationId, CancellationToken consumeToken)
    {
        var running = Register(generationId, consumeToken);
        // A cancel published between the caller's first check and this registration would otherwise be missed.
        if (await ReasonAsync(generationId) is { } reason)
        {
            running.Cancel(reason);
        }
        return running;
    }

    public void Cancel(Guid generationId, string reason)
    {
        if (_running.TryGetValue(generationId, out var running))
        {
            running.Cancel(reason);
        }
    }

    internal void Remove(RunningGeneration running) => _running.TryRemove(new KeyValuePair<Guid, RunningGeneration>(running.GenerationId, running));
}

/// <summary>One job's cancellation: the worker's own shutdown, or the user's cancel with its reason.</summary>
public sealed class RunningGeneration : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly GenerationCancellations _owner;

    internal RunningGeneration(Guid generationId, GenerationCancellations owner, CancellationToken consumeToken)
    {
        GenerationId = generationId;
        _owner = owner;
        _source = CancellationTokenSource.CreateLinkedTokenSource(consumeToken);
    }

    public Guid GenerationId { get; }

    public CancellationToken Token => _source.Token;

    /// <summary>Set when the user stopped it: "interrupted" or "cancelled".</summary>
    public string? Reason { get; private set; }

    internal void Cancel(string reason)
    {
        Reason ??= reason;
        _source.Cancel();
    }

    public void Dispose()
    {
        _owner.Remove(this);
        _source.Dispose();
    }
}
