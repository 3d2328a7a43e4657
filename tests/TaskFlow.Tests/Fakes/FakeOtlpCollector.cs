using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskFlow.Tests.Fakes;

/// <summary>One span as the services exported it; attribute values as text (ints and bools formatted), events by name.</summary>
public sealed record CollectedSpan(
    string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string?> Attributes,
    IReadOnlyList<string> Events)
{
    public string? Attribute(string key) => Attributes.GetValueOrDefault(key);
}

/// <summary>
/// An OTLP/HTTP (protobuf) collector: the services' real OTLP exporters send here, as they would to the Aspire dashboard.
/// Only the span fields the tests need are decoded, straight from the protobuf wire format.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CollectedSpan> _spans = new();

    private FakeOtlpCollector(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<CollectedSpan> Spans => [.. _spans];

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost("/v1/traces", (Delegate)collector.ReceiveTracesAsync);
        app.MapPost("/v1/metrics", () => Results.Bytes([], "application/x-protobuf"));
        app.MapPost("/v1/logs", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        collector.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return collector;
    }

    private async Task<IResult> ReceiveTracesAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
        foreach (var resourceSpans in Fields(body.ToArray()).Where(f => f.Number == 1))
        {
            var fields = Fields(resourceSpans.Bytes).ToList();
            var service = fields.Where(f => f.Number == 1).SelectMany(resource => Fields(resource.Bytes))
                .Where(f => f.Number == 1 && f.Bytes is not null).Select(attribute => Attribute(attribute.Bytes!))
                .FirstOrDefault(a => a.Key == "service.name").Value ?? "?";
            foreach (var scopeSpans in fields.Where(f => f.Number == 2))
            {
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    var spanFields = Fields(span.Bytes).ToList();
                    string Hex(int number) => Convert.ToHexStringLower(spanFields.FirstOrDefault(f => f.Number == number).Bytes ?? []);
                    var name = spanFields.FirstOrDefault(f => f.Number == 5).Bytes is { } nameBytes ? System.Text.Encoding.UTF8.GetString(nameBytes) : "";
                    // Span { … attributes = 9 }; the last value wins, as in the SDK.
                    var attributes = new Dictionary<string, string?>();
                    foreach (var (key, value) in spanFields.Where(f => f.Number == 9 && f.Bytes is not null).Select(f => Attribute(f.Bytes!)))
                    {
                        attributes[key] = value;
                    }
                    // Span { … events = 11 }, Event { … string name = 2 }.
                    var events = spanFields.Where(f => f.Number == 11)
                        .Select(e => Fields(e.Bytes).FirstOrDefault(f => f.Number == 2).Bytes is { } eventName ? System.Text.Encoding.UTF8.GetString(eventName) : "")
                        .ToList();
                    _spans.Enqueue(new CollectedSpan(service, Hex(1), Hex(2), Hex(4), name, attributes, events));
                }
            }
        }
        return Results.Bytes([], "application/x-protobuf");
    }

    /// <summary>KeyValue { string key = 1; AnyValue value = 2 }.</summary>
    private static (string Key, string? Value) Attribute(byte[] keyValue)
    {
        var fields = Fields(keyValue).ToList();
        var key = System.Text.Encoding.UTF8.GetString(fields.First(f => f.Number == 1).Bytes!);
        var value = fields.FirstOrDefault(f => f.Number == 2).Bytes;
        return (key, value is null ? null : AnyValueText(value));
    }

    /// <summary>AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4; … } as text.</summary>
    private static string? AnyValueText(byte[] anyValue)
    {
        var input = new CodedInputStream(anyValue);
        var tag = input.ReadTag();
        return WireFormat.GetTagFieldNumber(tag) switch
        {
            1 => input.ReadString(),
            2 => input.ReadBool() ? "true" : "false",
            3 => input.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
            4 => input.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
    }

    /// <summary>The fields of one protobuf message; length-delimited ones carry their bytes, others are skipped.</summary>
    private static IEnumerable<(int Number, byte[]? Bytes)> Fields(byte[]? message)
    {
        if (message is null)
        {
            yield break;
        }
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                yield return (number, input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
                yield return (number, null);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
