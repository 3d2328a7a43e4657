using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TaskFlow.Tests.Support;

/// <summary>One Server-Sent Event as a client sees it.</summary>
public sealed record SseEvent(string? Id, string Event, JsonElement Data);

/// <summary>Reads a Server-Sent Events response the way a browser's EventSource does.</summary>
public static class SseClient
{
    /// <summary>Reads events until <paramref name="stopAfter"/> returns true or the server ends the stream.</summary>
    public static async Task<List<SseEvent>> ReadAsync(HttpClient http, string url, string? lastEventId = null, Func<SseEvent, bool>? stopAfter = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);

        var events = new List<SseEvent>();
        string? id = null, name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null && data.Length > 0)
                {
                    var parsed = new SseEvent(id, name, JsonDocument.Parse(data.ToString()).RootElement.Clone());
                    events.Add(parsed);
                    if (stopAfter?.Invoke(parsed) == true)
                    {
                        return events;
                    }
                }
                name = null;
                data.Clear();
                continue;
            }
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }
        return events;
    }
}
