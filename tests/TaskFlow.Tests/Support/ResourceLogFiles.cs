using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace TaskFlow.Tests.Support;

/// <summary>
/// Every resource's console output in a file of its own, from the AppHost's first event on: a server that ends while
/// the stack starts leaves its last words behind. NAME.log for a resource with one process (and for lines logged
/// under a replicated resource's bare name), NAME-&lt;id&gt;.log per replica.
/// </summary>
public sealed partial class ResourceLogFiles : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly List<Task> _writers = [];
    private readonly Dictionary<string, TextWriter> _files = new(StringComparer.Ordinal);

    private ResourceLogFiles(DistributedApplication app, string directory)
    {
        Directory.CreateDirectory(directory);
        _watching = WatchAsync(app, directory, _stop.Token);
    }

    /// <summary>Call before the AppHost starts.</summary>
    public static ResourceLogFiles Record(DistributedApplication app, string directory) => new(app, directory);

    /// <summary>The lines of a log file the stack is still writing, without the terminal's colour codes.</summary>
    public static List<string> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(AnsiCodes().Replace(line, ""));
        }
        return lines;
    }

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiCodes();

    private async Task WatchAsync(DistributedApplication app, string directory, CancellationToken ct)
    {
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var e in app.ResourceNotifications.WatchAsync(ct))
            {
                if (!seen.Add(e.ResourceId))
                {
                    continue;
                }

                var replicated = e.Resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas > 1;
                var file = replicated && e.ResourceId != e.Resource.Name ? e.ResourceId : e.Resource.Name;
                lock (_writers)
                {
                    _writers.Add(CopyAsync(logs, e.ResourceId, Path.Combine(directory, file + ".log"), ct));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The AppHost is gone.
        }
    }

    private async Task CopyAsync(ResourceLoggerService logs, string resourceId, string path, CancellationToken ct)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(ct))
            {
                var file = Open(path);
                foreach (var line in batch)
                {
                    file.WriteLine(line.Content);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The AppHost is gone.
        }
    }

    /// <summary>At the first line, so an id that never logs leaves no empty file; a resource's ids may share one.</summary>
    private TextWriter Open(string path)
    {
        lock (_files)
        {
            return _files.TryGetValue(path, out var file) ? file
                : _files[path] = TextWriter.Synchronized(new StreamWriter(path) { AutoFlush = true });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        Task[] writers;
        lock (_writers)
        {
            writers = [.. _writers];
        }

        await Task.WhenAll(writers);
        foreach (var file in _files.Values)
        {
            await file.DisposeAsync();
        }

        _stop.Dispose();
    }
}
