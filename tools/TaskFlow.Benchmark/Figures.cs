using System.Globalization;

namespace TaskFlow.Benchmark;

/// <summary>Samples of one measured quantity and the table row they print as.</summary>
public sealed class Figures(string name, string unit)
{
    private readonly List<double> _samples = [];
    private readonly Lock _gate = new();

    public string Name { get; } = name;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count;
            }
        }
    }

    public void Add(double value)
    {
        lock (_gate)
        {
            _samples.Add(value);
        }
    }

    /// <summary>Nearest-rank percentile (p in 0..100); NaN without samples.</summary>
    public double Percentile(double p)
    {
        lock (_gate)
        {
            if (_samples.Count == 0)
            {
                return double.NaN;
            }
            var sorted = _samples.Order().ToList();
            var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
        }
    }

    public double Mean()
    {
        lock (_gate)
        {
            return _samples.Count == 0 ? double.NaN : _samples.Average();
        }
    }

    public static string Header =>
        $"{"",-40} {"count",7} {"mean",10} {"p50",10} {"p95",10} {"p99",10} {"max",10}";

    public string Row() =>
        $"{$"{Name} ({unit})",-40} {Count,7} {Format(Mean()),10} {Format(Percentile(50)),10} {Format(Percentile(95)),10} {Format(Percentile(99)),10} {Format(Percentile(100)),10}";

    private static string Format(double value) =>
        double.IsNaN(value) ? "–" : value.ToString(value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
}
