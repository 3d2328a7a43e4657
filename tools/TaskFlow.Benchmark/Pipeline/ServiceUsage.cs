using System.Diagnostics;
using System.Globalization;

namespace TaskFlow.Benchmark.Pipeline;

/// <summary>
/// CPU time and resident memory of TaskFlow's service processes on this machine, read from <c>/proc</c> and summed over
/// a service's replicas; beside them what else shares the machine (the servers, the orchestrator, the dashboard, this
/// benchmark), so that a phase shows where all of the machine's CPU went. A deployment on another machine cannot be
/// read: then every figure is absent.
/// </summary>
public sealed record ServiceUsage(IReadOnlyDictionary<string, (TimeSpan Cpu, long ResidentBytes)> Services, TimeSpan MachineBusy)
{
    public static readonly string[] Names = ["Gateway", "ChatSocket", "InferenceWorker", "Telemetry", "Web"];

    /// <summary>The rest of a local run, by process name (<c>/proc/PID/comm</c>, at most 15 characters).</summary>
    private static readonly Dictionary<string, string> s_others = new(StringComparer.Ordinal)
    {
        ["redis-server"] = "Redis",
        ["postgres"] = "PostgreSQL",
        ["beam.smp"] = "RabbitMQ",
        ["erl_child_setup"] = "RabbitMQ",
        ["epmd"] = "RabbitMQ",
        ["inet_gethost"] = "RabbitMQ",
        ["dcp"] = "DCP",
        ["Aspire.Dashboar"] = "Dashboard",
        ["TaskFlow.AppHos"] = "AppHost",
    };

    public const string Benchmark = "Benchmark";

    /// <summary>Everything this reads, services first.</summary>
    public static IEnumerable<string> Everything => Names.Concat(s_others.Values.Distinct()).Append(Benchmark);

    /// <summary>Linux's clock ticks per second for <c>/proc/PID/stat</c> times (USER_HZ, 100 on every current kernel).</summary>
    private const double TicksPerSecond = 100;

    public static ServiceUsage Read()
    {
        var services = new Dictionary<string, (TimeSpan, long)>();
        if (!Directory.Exists("/proc"))
        {
            return new ServiceUsage(services, TimeSpan.Zero);
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || (pid == Environment.ProcessId ? Benchmark : ServiceOf(dir) ?? OtherOf(dir)) is not { } name)
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
        return new ServiceUsage(services, MachineBusyTime());
    }

    /// <summary>The CPU time every core of the machine spent on anything but idling and waiting for I/O (<c>/proc/stat</c>).</summary>
    private static TimeSpan MachineBusyTime()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal ...", in clock ticks, summed over the cores.
            var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
            return TimeSpan.FromSeconds((ticks.Take(8).Sum() - ticks[3] - ticks[4]) / TicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }

    public bool Has(string service) => Services.ContainsKey(service);

    /// <summary>
    /// Waits until the services on this machine together use less than <paramref name="quiet"/> cores over a second
    /// (what is written after an answer, e.g. inference logs, lags the answers), at most <paramref name="most"/>; one
    /// second when none runs here. Returns the wait and the last second's use, in cores.
    /// </summary>
    public static async Task<Settling> SettleAsync(double quiet, TimeSpan most, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var before = Read();
            var start = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var after = Read();
            var sample = clock.Elapsed - start;
            var cores = Names.Sum(service => after.CpuSince(before, service).TotalSeconds) / sample.TotalSeconds;
            if (after.Services.Count == 0 || cores < quiet || clock.Elapsed >= most)
            {
                return new Settling(clock.Elapsed, sample, cores, ServicesHere: after.Services.Count > 0);
            }
        }
    }

    /// <summary>
    /// What <see cref="SettleAsync"/> saw: the whole wait, its last sample (the quiet one, unless it gave up), the cores
    /// busy in it, and whether any service runs on this machine.
    /// </summary>
    public sealed record Settling(TimeSpan Waited, TimeSpan LastSample, double Cores, bool ServicesHere);

    public TimeSpan CpuSince(ServiceUsage before, string service) =>
        Services.TryGetValue(service, out var now) && before.Services.TryGetValue(service, out var then) ? now.Cpu - then.Cpu : TimeSpan.Zero;

    public long ResidentGrowthSince(ServiceUsage before, string service) =>
        Services.TryGetValue(service, out var now) && before.Services.TryGetValue(service, out var then) ? now.ResidentBytes - then.ResidentBytes : 0;

    private static string? OtherOf(string dir)
    {
        try
        {
            return s_others.GetValueOrDefault(File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n'));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

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
