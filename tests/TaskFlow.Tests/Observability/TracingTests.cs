using System.Net.Http.Json;
using System.Text.Json;
using System.Globalization;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;

namespace TaskFlow.Tests.Observability;

/// <summary>One chat turn is one trace, across the services it touches, exported over OTLP.</summary>
[Collection(StackCollection.Name)]
public sealed class TracingTests(TaskFlowStack stack)
{
    [Fact]
    public async Task A_turn_over_http_is_one_trace_from_the_gateway_through_the_worker_to_telemetry()
    {
        using var user = await TestUser.SignUpAsync(stack);
        var submitted = await (await user.Http.PostAsJsonAsync("/api/chat", new { message = "trace me end to end" })).Content.ReadFromJsonAsync<JsonElement>();
        await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);

        var wanted = new[] { ServiceNames.Gateway, ServiceNames.ChatSocket, ServiceNames.InferenceWorker, ServiceNames.Telemetry };
        // This job's trace, found by the worker's span for it: other tests' turns are in the collector too.
        var jobId = submitted.GetProperty("jobId").GetString()!;
        // The answer's token stream as the worker wrote it (start, tokens, end): each entry is one XADD, and those
        // of the start and the end are in the trace, not those of the tokens (TokenPathTracing).
        using var redis = await ConnectionMultiplexer.ConnectAsync(stack.Redis.ConnectionString);
        var entries = await redis.GetDatabase().StreamRangeAsync(TokenStreamKeys.Key(Guid.Parse(jobId)));
        Assert.Equal(TokenStreamKeys.Kinds.Start, (string?)entries[0][TokenStreamKeys.Fields.Kind]);
        Assert.Equal(TokenStreamKeys.Kinds.End, (string?)entries[^1][TokenStreamKeys.Fields.Kind]);
        var tokenEntries = entries.Count(e => (string?)e[TokenStreamKeys.Fields.Kind] == TokenStreamKeys.Kinds.Token);
        Assert.True(tokenEntries > 0, "the answer has tokens");
        var tracedEntries = entries.Length - tokenEntries;
        var trace = await Eventually.GetAsync(() =>
        {
            var job = stack.Otlp.Spans.FirstOrDefault(s => s.Attribute("taskflow.generation_id") == jobId);
            var spans = job is null ? [] : stack.Otlp.Spans.Where(s => s.TraceId == job.TraceId).ToList();
            // Each service exports in its own batches, and the Redis instrumentation turns commands into spans every
            // few seconds: wait for every span asserted below, not just one per service.
            var complete = wanted.All(service => spans.Any(s => s.Service == service)) &&
                spans.Any(s => s.Service == ServiceNames.Gateway && s.Name.Contains("api/chat", StringComparison.Ordinal)) &&
                spans.Any(s => s.Service == ServiceNames.ChatSocket && s.Name == "ZADD") &&
                spans.Count(s => s.Service == ServiceNames.InferenceWorker && s.Name == "XADD") >= tracedEntries &&
                spans.Count(s => !spans.Any(parent => parent.SpanId == s.ParentSpanId)) == 1;
            return Task.FromResult(complete ? spans : null);
        }, TimeSpan.FromSeconds(45), "the turn's spans from gateway, chatsocket, inferenceworker and telemetry");

        // The GenAI span of the model call, named and tagged by the OpenTelemetry GenAI conventions.
        var modelCall = Assert.Single(trace, s => s.Service == ServiceNames.InferenceWorker && s.Name.StartsWith("chat ", StringComparison.Ordinal));
        Assert.Equal(FakeModelServer.ModelName, modelCall.Attribute("gen_ai.request.model"));
        Assert.True(int.Parse(modelCall.Attribute("gen_ai.usage.output_tokens")!, CultureInfo.InvariantCulture) > 0);
        // What the user said and what the model answered are in no span (the AppHost's development settings would put
        // them in the GenAI one): the inference log, redacted, is their only copy outside the conversation.
        Assert.DoesNotContain(trace.SelectMany(s => s.Attributes), attribute =>
            attribute.Value?.Contains("trace me end to end", StringComparison.Ordinal) == true);
        Assert.Contains(trace, s => s.Service == ServiceNames.InferenceWorker && s.Name.StartsWith("POST", StringComparison.Ordinal));
        // The worker's consume span says which job it ran and how long it queued.
        var job = Assert.Single(trace, s => s.Service == ServiceNames.InferenceWorker && s.Attribute("taskflow.queue.wait_ms") is not null);
        Assert.Equal("completed", job.Attribute("taskflow.status"));
        // Redis, as the StackExchange.Redis instrumentation names its client spans (the command): the job on the waiting
        // board (ChatSocket), and the answer stream's start and end (worker). Per-token commands make none: no token's
        // append, no relay's read of the stream.
        Assert.Contains(trace, s => s.Service == ServiceNames.ChatSocket && s.Name == "ZADD" && s.Attribute("db.system") == "redis");
        var appends = trace.Where(s => s.Service == ServiceNames.InferenceWorker && s.Name == "XADD").ToList();
        Assert.Equal(tracedEntries, appends.Count);
        Assert.DoesNotContain(trace, s => s.Attribute("db.system") == "redis" && s.Name is "XRANGE" or "XREAD");
        Assert.All(appends, s => Assert.Equal("redis", s.Attribute("db.system")));
        Assert.All(appends, s => Assert.Equal("XADD", s.Attribute("db.statement")));
        // A Redis span is its command's start and end, without the instrumentation's three timing events.
        Assert.All(trace.Where(s => s.Attribute("db.system") == "redis"), s => Assert.Empty(s.Events));
        Assert.Single(trace.Select(s => s.TraceId).Distinct());
        // Every span but the gateway's entry has its parent in the same trace.
        var ids = trace.Select(s => s.SpanId).ToHashSet();
        Assert.Equal(1, trace.Count(s => !ids.Contains(s.ParentSpanId)));
    }

    [Fact]
    public async Task Each_socket_turn_is_its_own_trace_reaching_the_worker_and_telemetry()
    {
        using var user = await TestUser.SignUpAsync(stack);
        await using var socket = await user.ConnectAsync();
        await socket.SendUserMessageAsync("first traced turn");
        await socket.ReceiveUntilAsync("ai_done");
        await socket.SendUserMessageAsync("second traced turn");
        await socket.ReceiveUntilAsync("ai_done");

        var turns = await Eventually.GetAsync(() =>
        {
            var roots = stack.Otlp.Spans.Where(s => s.Service == ServiceNames.ChatSocket && s.Name == "chat turn").TakeLast(2).ToList();
            var complete = roots.Count == 2 && roots.All(root =>
                stack.Otlp.Spans.Any(s => s.TraceId == root.TraceId && s.Service == ServiceNames.InferenceWorker) &&
                stack.Otlp.Spans.Any(s => s.TraceId == root.TraceId && s.Service == ServiceNames.Telemetry));
            return Task.FromResult(complete ? roots : null);
        }, TimeSpan.FromSeconds(30), "both turns' traces to reach the worker and telemetry");

        Assert.NotEqual(turns[0].TraceId, turns[1].TraceId);
    }

    [Fact]
    public async Task Database_statements_outside_any_request_or_job_make_no_trace_of_their_own()
    {
        // A turn whose job ChatSocket has recorded as queued: that batch runs in the background, after RabbitMQ confirmed
        // the job, outside the turn's trace. Its span (were it made) is exported within the next batch, half a second.
        using var user = await TestUser.SignUpAsync(stack);
        var submitted = await (await user.Http.PostAsJsonAsync("/api/chat", new { message = "record me as queued" })).Content.ReadFromJsonAsync<JsonElement>();
        await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);
        var jobId = Guid.Parse(submitted.GetProperty("jobId").GetString()!);
        await using (var database = await stack.OpenDatabaseAsync())
        {
            await Eventually.GetAsync(async () =>
            {
                await using var command = new Npgsql.NpgsqlCommand("SELECT queued_at IS NOT NULL FROM chat.generations WHERE id = @id", database);
                command.Parameters.AddWithValue("id", jobId);
                return await command.ExecuteScalarAsync() is true ? (object)true : null;
            }, TimeSpan.FromSeconds(30), "the job to be recorded as queued");
        }
        await Task.Delay(TimeSpan.FromSeconds(2));

        var statements = stack.Otlp.Spans.Where(IsDatabaseSpan).ToList();
        Assert.Contains(statements, s => s.Service == ServiceNames.ChatSocket);
        var roots = statements.Where(s => s.ParentSpanId.Length == 0).ToList();
        Assert.True(roots.Count == 0, $"{roots.Count} database statements were traces of their own, e.g. " +
            string.Join(", ", roots.Take(5).Select(s => $"{s.Service} {s.Attribute("db.query.text") ?? s.Name}")));
    }

    /// <summary>Npgsql's span of a statement, or of a physical connection's opening (<c>CONNECT</c>).</summary>
    private static bool IsDatabaseSpan(CollectedSpan span) =>
        span.Attribute("db.system.name") == "postgresql" || span.Attribute("db.system") == "postgresql";

    [Fact]
    public void A_trace_sampler_given_to_the_apphost_reaches_every_service_over_aspires_own()
    {
        // Aspire sets always_on on every service: the operator's sampler (the stack's, StackInstance) must replace it.
        Assert.All(stack.Services.All, service =>
            Assert.Equal(TaskFlowStack.TraceSampler, service.Environment(TaskFlowStack.TraceSamplerVariable)));
    }

    [Fact]
    public async Task Redis_commands_outside_any_turn_make_no_trace_of_their_own()
    {
        // A turn whose Redis spans have arrived: the instrumentation flushes every few seconds, so by then the commands
        // run between requests meanwhile (the worker probes its models every 2 s here) would have arrived too.
        using var user = await TestUser.SignUpAsync(stack);
        var submitted = await (await user.Http.PostAsJsonAsync("/api/chat", new { message = "flush the redis spans" })).Content.ReadFromJsonAsync<JsonElement>();
        await SseClient.ReadAsync(user.Http, submitted.GetProperty("statusUrl").GetString()!);
        var jobId = submitted.GetProperty("jobId").GetString()!;
        await Eventually.GetAsync(() =>
        {
            var job = stack.Otlp.Spans.FirstOrDefault(s => s.Attribute("taskflow.generation_id") == jobId);
            var appended = job is not null && stack.Otlp.Spans.Any(s => s.TraceId == job.TraceId && s.Name == "XADD");
            return Task.FromResult(appended ? job : null);
        }, TimeSpan.FromSeconds(45), "the turn's Redis spans");

        var redisSpans = stack.Otlp.Spans.Where(s => s.Attribute("db.system") == "redis").ToList();
        Assert.NotEmpty(redisSpans);
        var roots = redisSpans.Where(s => s.ParentSpanId.Length == 0).ToList();
        Assert.True(roots.Count == 0, $"{roots.Count} Redis commands were traces of their own, e.g. " +
            string.Join(", ", roots.Take(5).Select(s => $"{s.Service} {s.Name}")));
    }
}
