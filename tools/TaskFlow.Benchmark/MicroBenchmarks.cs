using System.Diagnostics;
using System.Globalization;
using System.Text;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.ChatSocket.Data;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.Benchmark;

/// <summary>
/// The hot pure code of the services, run in-process: the redactor runs on every inference log, the context window on
/// every message. Each case is warmed up, then timed call by call for the given duration.
/// </summary>
public static class MicroBenchmarks
{
    public static int Redaction(TimeSpan duration, TextWriter output)
    {
        var redactor = new PiiRedactor();
        var cases = new (string Name, string Text)[]
        {
            ("short, no PII", "Can you explain how a priority queue differs from a FIFO queue? Version 2.4.1, order 884213."),
            ("short, with PII", "Mail me at sam.smith@example.org or call +44 20 7946 0958; card 4111 1111 1111 1111."),
            ("2 KB prose, no PII", Repeat("The release on 2026-11-23 moved 1,250 orders (ids 884213 to 885463) through v3.2.1 of the queue. ", 2048)),
            ("2 KB log, dense PII", Repeat("user=ana.lopez@example.com ip=192.168.10.24 iban=DE89370400440532013000 ssn=078-05-1120 ", 2048)),
        };
        output.WriteLine($"PII redaction (Telemetry), {duration.TotalSeconds:0} s per case");
        output.WriteLine(Figures.Header);
        foreach (var (name, text) in cases)
        {
            var figures = Measure($"{name}, {text.Length} chars", "µs", duration, () => redactor.Redact(text));
            output.WriteLine(figures.Row() + string.Create(CultureInfo.InvariantCulture, $"  {text.Length / figures.Mean():0.0} MB/s"));
        }
        output.WriteLine();
        return 0;
    }

    public static int Context(TimeSpan duration, TextWriter output)
    {
        var tokens = new TokenCounter();
        var window = new ContextWindow(tokens, new ChatOptions());
        var history = Conversation(201);
        var recent = Conversation(13);
        var oneAnswer = history[1].Content;

        output.WriteLine($"Context window (ChatSocket), {duration.TotalSeconds:0} s per case");
        output.WriteLine(Figures.Header);
        output.WriteLine(Measure($"count tokens, {oneAnswer.Length} chars", "µs", duration, () => tokens.Count(oneAnswer)).Row());
        // Usual: the unsummarized history fits the budget. Worst: 200 turns arrive unsummarized and are folded at once.
        output.WriteLine(Measure("plan prompt, 13 messages (fits)", "µs", duration, () => window.Plan(SummaryState.Empty, recent)).Row());
        output.WriteLine(Measure("plan prompt, 201 messages (folds)", "µs", duration, () => window.Plan(SummaryState.Empty, history)).Row());
        // The largest message allowed, as prose and as unbroken CJK (one pre-token for the tokenizer): linear work
        // makes their costs similar; BPE over one 16,000-character piece made the CJK one take seconds.
        var prose = Ask(recent, Repeat("Please review this paragraph of the design and say what breaks first. ", 16_000));
        var cjk = Ask(recent, string.Concat(Enumerable.Range(0, 16_000).Select(i => (char)(0x4E00 + i * 7919 % 20_000))));
        var proseFigures = Measure("plan prompt, new 16,000-char prose message", "µs", duration, () => window.Plan(SummaryState.Empty, prose));
        var cjkFigures = Measure("plan prompt, new 16,000-char unbroken CJK message", "µs", duration, () => window.Plan(SummaryState.Empty, cjk));
        output.WriteLine(proseFigures.Row());
        output.WriteLine(cjkFigures.Row() + string.Create(CultureInfo.InvariantCulture, $"  {cjkFigures.Mean() / proseFigures.Mean():0.00}× prose"));
        output.WriteLine();
        return 0;
    }

    private static List<Message> Ask(List<Message> history, string text) =>
    [
        .. history.SkipLast(1),
        new Message { Id = Guid.NewGuid(), Role = "user", Content = text, Status = "completed", CreatedAt = DateTimeOffset.UnixEpoch.AddDays(1) },
    ];

    /// <summary>Alternating questions and ~600-character answers, ending with a question.</summary>
    private static List<Message> Conversation(int messages) =>
        Enumerable.Range(0, messages).Select(i => new Message
        {
            Id = Guid.NewGuid(),
            Role = i % 2 == 0 ? "user" : "assistant",
            Content = i % 2 == 0
                ? $"Question {i}: how does step {i} of the deployment work, and what should I check afterwards?"
                : Repeat($"Step {i} copies the build, runs the migrations and restarts the workers one at a time. ", 600),
            Status = "completed",
            CreatedAt = DateTimeOffset.UnixEpoch.AddMinutes(i),
        }).ToList();

    private static Figures Measure<T>(string name, string unit, TimeSpan duration, Func<T> action)
    {
        for (var i = 0; i < 50; i++)
        {
            GC.KeepAlive(action());
        }
        var figures = new Figures(name, unit);
        var total = Stopwatch.StartNew();
        while (total.Elapsed < duration)
        {
            var started = Stopwatch.GetTimestamp();
            GC.KeepAlive(action());
            figures.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
        return figures;
    }

    private static string Repeat(string sentence, int length)
    {
        var text = new StringBuilder(length + sentence.Length);
        while (text.Length < length)
        {
            text.Append(sentence);
        }
        return text.ToString(0, length);
    }
}
