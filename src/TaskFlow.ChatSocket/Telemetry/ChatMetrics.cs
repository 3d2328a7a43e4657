using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Telemetry;

/// <summary>
/// Open sockets (the seed's <c>ws_connections_active</c>) and the queue's depth by priority. The depth is sampled from
/// the jobs table every few seconds rather than at scrape time, so a scrape never waits on the database.
/// </summary>
public sealed class ChatMetrics : BackgroundService
{
    public const string MeterName = "TaskFlow.ChatSocket";
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);
    private static readonly string[] Priorities = ["high", "medium", "low"];

    private readonly Meter _meter = new(MeterName);
    private readonly UpDownCounter<long> _connections;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<ChatMetrics> _logger;
    private volatile IReadOnlyDictionary<(string Status, string Priority), int> _depth = new Dictionary<(string, string), int>();

    public ChatMetrics(IServiceScopeFactory scopes, ILogger<ChatMetrics> logger)
    {
        _scopes = scopes;
        _logger = logger;
        _connections = _meter.CreateUpDownCounter<long>("ws_connections_active", description: "Open chat WebSocket connections.");
        _meter.CreateObservableGauge("queue_jobs_waiting", () => Depth(GenerationStatus.Waiting), description: "Jobs waiting in the queue, by priority.");
        _meter.CreateObservableGauge("queue_jobs_processing", () => Depth(GenerationStatus.Processing), description: "Jobs a worker is running, by priority.");
    }

    public void SocketOpened() => _connections.Add(1);

    public void SocketClosed() => _connections.Add(-1);

    private IEnumerable<Measurement<int>> Depth(string status) =>
        Priorities.Select(priority => new Measurement<int>(_depth.GetValueOrDefault((status, priority)), new KeyValuePair<string, object?>("priority", priority)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleEvery);
        do
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
                var rows = await db.Generations.AsNoTracking()
                    .Where(g => g.Status == GenerationStatus.Waiting || g.Status == GenerationStatus.Processing)
                    .GroupBy(g => new { g.Status, g.Priority })
                    .Select(group => new { group.Key.Status, group.Key.Priority, Count = group.Count() })
                    .ToListAsync(stoppingToken);
                _depth = rows.ToDictionary(row => (row.Status, ((JobPriority)row.Priority).ToString().ToLowerInvariant()), row => row.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogDebug("Sampling queue depth failed: {Message}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
