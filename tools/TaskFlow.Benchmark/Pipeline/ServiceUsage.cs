using System.Diagnostics;
using System.Globalization;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// CPU time and resident memory of TaskFlow's service processes on this machine, read from <c>/proc</c> and summed over
/// a service's replicas. A deployment on another machine cannot be read: then every figure is absent.
/// </summary>
public sealed record ServiceUsage(IReadOnlyDictionary<string, (TimeSpan Cpu, long ResidentBytes)> Services)
{
    public static readonly string[] Names = ["Gateway", "ChatSocket", "InferenceWorker", "Telemetry", "Web"];

    /// <summary>Linux's clock ticks per second for <c>/proc/PID/stat</c> times (USER_HZ, 100 on every current kernel).</summary>
    private const double TicksPerSecond = 100;

    public static ServiceUsage Read()
    {
        var services = new Dictionary<string, (TimeSpan, long)>();
        if (!Directory.Exists("/proc"))
        {
            return new ServiceUsage(services);
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _) || ServiceOf(dir) is not { } name)
            {
                continue;
            }
            try
            {
                // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                var rssPages = long.Parse(File.ReadAllText(Path.Combine(dir, "statm")).Split(' ')[1], CultureInfo.InvariantCulture);
                var (cpu, rss) = services.GetValueOrDefault(name);
                services[name] = (cpu + TimeSpan.FromSeconds(ticks / TicksPerSecond), rss + rssPages * Environment.SystemPageSize);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }
        return new ServiceUsage(services);
    }

    public bool Has(string service) => Services.ContainsKey(service);

    /// <summary>
    /// Waits until the services on this machine together use less than <paramref name="quiet"/> cores over a second
    /// (what is written after an answer, e.g. inference logs, lags the answers), at most <paramref name="most"/>; one
    /// second when none runs here. Returns the wait and the last second's use, in cores.
    /// </summary>
    public static async Task<(TimeSpan Waited, double Cores)> SettleAsync(double quiet, TimeSpan most, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var before = Read();
            var start = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var after = Read();
            var cores = Names.Sum(service => after.CpuSince(before, service).TotalSeconds) / (clock.Elapsed - start).TotalSeconds;
            if (after.Services.Count == 0 || cores < quiet || clock.Elapsed >= most)
            {
                return (clock.Elapsed, cores);
            }
        }
    }

    public TimeSpan CpuSince(ServiceUsage before, string service) =>
        Services.TryGetValue(service, out var now) && before.Services.TryGetValue(service, out var then) ? now.Cpu - then.Cpu : TimeSpan.Zero;

    public long ResidentGrowthSince(ServiceUsage before, string service) =>
        Services.TryGetValue(service, out var now) && before.Services.TryGetValue(service, out var then) ? now.ResidentBytes - then.ResidentBytes : 0;

    /// <summary>The service a process runs, from its command line (the apphost binary, or <c>dotnet X.dll</c>).</summary>
    private static string? ServiceOf(string dir)
    {
        string[] argv;
        try
        {
            argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        foreach (var arg in argv.Take(2))
        {
            var file = Path.GetFileName(arg);
            foreach (var name in Names)
            {
                if (file == $"TaskFlow.{name}" || file == $"TaskFlow.{name}.dll")
                {
                    return name;
                }
            }
        }
        return null;
    }
}
