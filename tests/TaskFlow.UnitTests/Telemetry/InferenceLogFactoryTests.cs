using TaskFlow.Contracts.Telemetry;
using TaskFlow.Telemetry;
using TaskFlow.Telemetry.Logging;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

public sealed class InferenceLogFactoryTests
{
    private static readonly TelemetryOptions Options = new() { PreviewMaxLength = 100, ErrorMessageMaxLength = 100 };

    private readonly PiiRedactor _redactor = new();

    [Fact]
    public void Redacts_both_previews_and_the_error_message()
    {
        var completed = Event() with
        {
            InputPreview = "my card is 4111 1111 1111 1111",
            OutputPreview = "I will email jane@example.com",
            ErrorMessage = "upstream rejected caller 203.0.113.9",
        };

        var log = InferenceLogFactory.Create(completed, _redactor, Options);

        Assert.Equal("my card is [CARD]", log.InputPreview);
        Assert.Equal("I will email [EMAIL]", log.OutputPreview);
        Assert.Equal("upstream rejected caller [IP]", log.ErrorMessage);
    }

    [Fact]
    public void Caps_previews_at_the_configured_length()
    {
        var log = InferenceLogFactory.Create(Event() with { OutputPreview = new string('a', 1000) }, _redactor, Options);

        Assert.Equal(100, log.OutputPreview.Length);
    }

    [Fact]
    public void Copies_identifiers_and_numbers_and_keeps_the_status_as_reported()
    {
        var completed = Event();

        var log = InferenceLogFactory.Create(completed, _redactor, Options);

        Assert.Equal(completed.GenerationId, log.GenerationId);
        Assert.Equal(completed.ConversationId, log.ConversationId);
        Assert.Equal(completed.MessageId, log.MessageId);
        Assert.Equal("user-1", log.UserId);
        Assert.Equal("qwen3", log.Model);
        Assert.Equal("ollama", log.Provider);
        Assert.Equal("completed", log.Status);
        Assert.Equal(1234, log.LatencyMs);
        Assert.Equal(210, log.TimeToFirstTokenMs);
        Assert.Equal(12, log.InputTokens);
        Assert.Equal(34, log.OutputTokens);
        Assert.NotEqual(Guid.Empty, log.Id);
    }

    [Fact]
    public void Created_at_is_the_end_of_the_call_in_utc()
    {
        var started = new DateTimeOffset(2026, 11, 22, 15, 30, 0, TimeSpan.FromHours(5.5));

        var log = InferenceLogFactory.Create(Event() with { StartedAt = started, LatencyMs = 1500 }, _redactor, Options);

        Assert.Equal(TimeSpan.Zero, log.CreatedAt.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 1, 500, TimeSpan.Zero), log.CreatedAt);
    }

    [Fact]
    public void An_unset_start_time_files_the_call_under_now()
    {
        var log = InferenceLogFactory.Create(Event() with { StartedAt = default }, _redactor, Options);

        Assert.True(DateTimeOffset.UtcNow - log.CreatedAt < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Normalises_status_and_bounds_identifiers()
    {
        var log = InferenceLogFactory.Create(
            Event() with { Status = " Failed ", ModelId = new string('m', 1000), Provider = "" },
            _redactor,
            Options);

        Assert.Equal("failed", log.Status);
        Assert.Equal(InferenceLogFactory.IdentifierMaxLength, log.Model.Length);
        Assert.Equal("unknown", log.Provider);
    }

    [Fact]
    public void Reports_what_was_redacted_for_metrics()
    {
        var found = new List<PiiMatch>();

        InferenceLogFactory.Create(Event() with { InputPreview = "a@b.io", OutputPreview = "+1 415 555 0100" }, _redactor, Options, found);

        Assert.Equal([PiiKind.Email, PiiKind.Phone], found.Select(m => m.Kind));
    }

    private static InferenceCompleted Event() => new(
        GenerationId: Guid.NewGuid(),
        ConversationId: Guid.NewGuid(),
        MessageId: Guid.NewGuid(),
        UserId: "user-1",
        ModelId: "qwen3",
        Provider: "ollama",
        Status: "completed",
        LatencyMs: 1234,
        TimeToFirstTokenMs: 210,
        InputTokens: 12,
        OutputTokens: 34,
        ErrorCode: null,
        ErrorMessage: null,
        InputPreview: "hello",
        OutputPreview: "hi there",
        StartedAt: DateTimeOffset.UtcNow);
}
