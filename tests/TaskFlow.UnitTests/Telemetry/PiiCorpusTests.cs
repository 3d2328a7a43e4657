using TaskFlow.Telemetry.Pii;
using Xunit.Abstractions;

namespace TaskFlow.UnitTests.Telemetry;

/// <summary>Precision and recall of the redactor per kind, on the labelled corpus.</summary>
public sealed class PiiCorpusTests(ITestOutputHelper output)
{
    private const double MinRecall = 0.99;
    private const double MinPrecision = 0.97;

    [Fact]
    public void The_corpus_is_large_and_has_hard_negatives()
    {
        var corpus = PiiCorpus.Build();
        Assert.True(corpus.Count >= 300, $"{corpus.Count} cases");
        Assert.True(corpus.Count(c => c.Kind is null) >= 100);
        Assert.All(Enum.GetValues<PiiKind>(), kind => Assert.True(corpus.Count(c => c.Kind == kind) >= 30, kind.ToString()));
    }

    [Fact]
    public void Every_kind_is_redacted_with_high_recall_and_precision()
    {
        var redactor = new PiiRedactor();
        var corpus = PiiCorpus.Build();
        var report = new List<string>();
        var failures = new List<string>();
        foreach (var kind in Enum.GetValues<PiiKind>())
        {
            var placeholder = PiiRedactor.Placeholder(kind);
            int truePositives = 0, falseNegatives = 0, falsePositives = 0;
            foreach (var item in corpus)
            {
                var redacted = redactor.Redact(item.Text);
                var flagged = redacted.Contains(placeholder, StringComparison.Ordinal);
                if (item.Kind == kind)
                {
                    if (flagged && !redacted.Contains(item.Value, StringComparison.Ordinal))
                    {
                        truePositives++;
                    }
                    else
                    {
                        falseNegatives++;
                        failures.Add($"missed {kind}: {item.Text} -> {redacted}");
                    }
                }
                else if (flagged)
                {
                    falsePositives++;
                    failures.Add($"false {kind}: {item.Text} -> {redacted}");
                }
            }
            var recall = truePositives / (double)(truePositives + falseNegatives);
            var precision = truePositives + falsePositives == 0 ? 1 : truePositives / (double)(truePositives + falsePositives);
            report.Add($"{kind,-10} recall {recall:P1} precision {precision:P1} (tp {truePositives}, fn {falseNegatives}, fp {falsePositives})");
            if (recall < MinRecall || precision < MinPrecision)
            {
                failures.Add($"{kind}: recall {recall:P1}, precision {precision:P1}");
            }
        }
        foreach (var line in report)
        {
            output.WriteLine(line);
        }
        var unchanged = corpus.Where(c => c.Kind is null).Count(c => redactor.Redact(c.Text) == c.Text);
        output.WriteLine($"hard negatives left untouched: {unchanged}/{corpus.Count(c => c.Kind is null)}");

        Assert.True(report.Count == Enum.GetValues<PiiKind>().Length && !failures.Any(f => f.Contains(": recall", StringComparison.Ordinal)),
            string.Join('\n', report.Concat(failures)));
    }
}
