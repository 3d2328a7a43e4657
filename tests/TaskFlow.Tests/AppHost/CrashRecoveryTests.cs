using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TaskFlow.Tests.Fakes;
using TaskFlow.Tests.Support;
using Xunit.Abstractions;

namespace TaskFlow.Tests.AppHost;

/// <summary>
/// Under the AppHost a crashed service is started again, alone, and the turns it held complete: 20 chats stream, the
/// worker is killed (kill -9), then the ChatSocket; every answer arrives once, whole, and is stored once.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Chats = 20;

    /// <summary>The servers and services no crash here may restart.</summary>
    private static readonly string[] s_bystanders = ["redis", "postgres", "messaging", "web", "telemetry", "gateway"];

    [Fact]
    public async Task Killing_the_worker_then_the_chatsocket_mid_answer_restarts_each_alone_and_every_turn_completes_once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

        await using var model = await FakeModelServer.StartAsync();
        var appHost = await RunningAppHost.StartAsync(
        [
            $"--ConnectionStrings:chat={model.ConnectionString}",
            "--Models:ProbeInterval=00:00:02",
            // All 20 answers at once, none held back by the queue demo's rate limit.
            "--Inference:MaxConcurrentJobs=24",
            "--Inference:RateLimitPerMinute=100000",
        ], Log, ct);
        await using var running = appHost;
        var bystanders = s_bystanders.ToDictionary(name => name, appHost.ProcessId);
        // What the dashboard shows of the crashes, for whoever reads a failure.
        _ = Task.Run(async () =>
        {
            await foreach (var e in appHost.App.ResourceNotifications.WatchAsync(ct))
            {
                if (e.Resource.Name is "inferenceworker" or "chatsocket")
                {
                    Log($"{e.ResourceId}: {e.Snapshot.State?.Text} exit={e.Snapshot.ExitCode} health={e.Snapshot.HealthStatus} pid={RunningAppHost.ProcessId(e.Snapshot)}");
                }
            }
        }, ct);

        var chats = await Task.WhenAll(Enumerable.Range(1, Chats).Select(async i =>
        {
            var user = await TestUser.SignUpAsync(appHost.Gateway);
            // About 45 tokens, 150 ms apart: each answer outlasts both crashes' detection, not the restarts.
            var prompt = $"crash survival chat {i}: " + string.Join(' ', Enumerable.Repeat("every word of this turn must arrive exactly once", 4)) + " [[delay:150]]";
            return await Chat.StartAsync(user, prompt);
        }));
        Log($"{Chats} chats sent");
        await Eventually.TrueAsync(() => chats.All(c => c.TokensSinceStart >= 2), TimeSpan.FromSeconds(60), "every chat streams");

        var worker = appHost.ServiceProcessId("inferenceworker");
        var chatSocket = appHost.ServiceProcessId("chatsocket");
        var workerLauncher = appHost.ProcessId("inferenceworker");
        var chatSocketLauncher = appHost.ProcessId("chatsocket");
        Process.GetProcessById(worker).Kill();
        Log($"killed the worker ({worker}) with {chats.Count(c => !c.Done)} answers streaming");
        var newWorker = await RestartedAsync(appHost, "inferenceworker", workerLauncher, ct);
        Log($"worker running again as {newWorker}");

        // The new worker takes the jobs RabbitMQ got back from the dead one and answers them from the start.
        await Eventually.TrueAsync(() => chats.All(c => c.Restarted && c.TokensSinceStart >= 2), TimeSpan.FromSeconds(90), "every answer restarts");
        Assert.Equal(chatSocket, appHost.ServiceProcessId("chatsocket"));

        Process.GetProcessById(chatSocket).Kill();
        Log($"killed the chatsocket ({chatSocket}) with {chats.Count(c => !c.Done)} answers streaming");
        var newChatSocket = await RestartedAsync(appHost, "chatsocket", chatSocketLauncher, ct);
        Log($"chatsocket running again as {newChatSocket}");

        // Each client comes back as the page does: the conversation and the last token it has.
        await Task.WhenAll(chats.Select(c => c.ResumeAsync(ct)));
        Log("every answer done");

        foreach (var chat in chats)
        {
            var expected = string.Concat(FakeModelServer.ReplyTo(chat.Prompt));
            Assert.Equal(expected, chat.Answer());
            Assert.Equal(1, chat.Count("ai_done"));
            var seqs = chat.Events.Where(e => e.Type() == "ai_token").Select(e => e.GetProperty("seq").GetInt64()).ToList();
            Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.First < p.Second), $"chat {chat.Prompt[..24]}: a token came twice or out of order");
            // Asked twice of the model (before and after the worker's crash), stored once.
            Assert.Equal(2, model.AttemptsFor(chat.Prompt));
            var detail = JsonNode.Parse(await chat.User.Http.GetStringAsync($"/api/conversations/{chat.ConversationId}", ct))!;
            var answers = detail["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "assistant").ToList();
            Assert.Equal(expected, Assert.Single(answers)!["content"]!.GetValue<string>());
        }

        foreach (var (name, pid) in bystanders)
        {
            Assert.True(pid == appHost.ProcessId(name), $"{name} was restarted although nothing happened to it");
        }
        foreach (var chat in chats)
        {
            await chat.DisposeAsync();
        }
    }

    /// <summary>Waits for the AppHost to run <paramref name="resource"/> again, healthy, from a new <paramref name="launcher"/>.</summary>
    private static async Task<int> RestartedAsync(RunningAppHost appHost, string resource, int launcher, CancellationToken ct)
    {
        static int Pid(ResourceEvent e) => RunningAppHost.ProcessId(e.Snapshot);
        using var restartTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        restartTimeout.CancelAfter(TimeSpan.FromSeconds(90));
        await appHost.App.ResourceNotifications.WaitForResourceAsync(
            resource, e => Pid(e) is var pid && pid != 0 && pid != launcher && e.Snapshot.HealthStatus == HealthStatus.Healthy, restartTimeout.Token);
        return appHost.ServiceProcessId(resource);
    }

    /// <summary>One user's conversation: its socket's events, read as they come, across reconnections.</summary>
    private sealed class Chat : IAsyncDisposable
    {
        private readonly List<JsonElement> _events = [];
        private ChatSocketClient _socket;
        private readonly Task _reading;

        private Chat(TestUser user, string prompt, ChatSocketClient socket)
        {
            User = user;
            Prompt = prompt;
            _socket = socket;
            _reading = ReadAsync(socket);
        }

        public TestUser User { get; }

        public string Prompt { get; }

        public Guid ConversationId { get; private set; }

        public IReadOnlyList<JsonElement> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public bool Done => Count("ai_done") > 0;

        /// <summary>Whether an <c>ai_start</c> said the answer is generated again from the start.</summary>
        public bool Restarted => Events.Any(e => e.Type() == "ai_start" && e.GetProperty("restarted").GetBoolean());

        public int TokensSinceStart => Events.Reverse().TakeWhile(e => e.Type() != "ai_start").Count(e => e.Type() == "ai_token");

        public int Count(string type) => Events.Count(e => e.Type() == type);

        /// <summary>The answer as the page shows it: a restarted answer replaces the partial text before it.</summary>
        public string Answer() => string.Concat(Events.Reverse().TakeWhile(e => e.Type() != "ai_start").Reverse()
            .Where(e => e.Type() == "ai_token").Select(e => e.Str("token")));

        public static async Task<Chat> StartAsync(TestUser user, string prompt)
        {
            var socket = await user.ConnectAsync();
            await socket.SendUserMessageAsync(prompt);
            var chat = new Chat(user, prompt, socket);
            await Eventually.TrueAsync(() => chat.ConversationId != Guid.Empty, TimeSpan.FromSeconds(30), "the message is accepted");
            return chat;
        }

        /// <summary>After the socket's server died: reconnect once it is back, from the last token seen, until the answer is done.</summary>
        public async Task ResumeAsync(CancellationToken ct)
        {
            await _reading;
            if (Done)
            {
                return;
            }

            var lastSeq = Events.Where(e => e.Type() == "ai_token").Select(e => e.GetProperty("seq").GetInt64()).DefaultIfEmpty(0).Max();
            await _socket.DisposeAsync();
            // The gateway may take a moment to send to the new process.
            _socket = await Eventually.GetAsync(async () =>
            {
                try
                {
                    return await User.ConnectAsync($"conversationId={ConversationId}&lastSeq={lastSeq}");
                }
                catch (WebSocketException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(30), "the chat socket answering again");
            var resumed = await _socket.ReceiveUntilAsync("ai_done");
            Assert.Equal("conversation_resumed", resumed[0].Type());
            lock (_events)
            {
                _events.AddRange(resumed.Skip(1));
            }
        }

        private async Task ReadAsync(ChatSocketClient socket)
        {
            try
            {
                while (await socket.ReceiveAsync(TimeSpan.FromMinutes(3)) is { } e)
                {
                    if (e.Type() == "message_accepted")
                    {
                        ConversationId = Guid.Parse(e.Str("conversationId"));
                    }
                    lock (_events)
                    {
                        _events.Add(e);
                    }
                    if (e.Type() == "ai_done")
                    {
                        return;
                    }
                }
            }
            catch (WebSocketException)
            {
                // The server process died: ResumeAsync reconnects.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _socket.DisposeAsync();
            User.Dispose();
        }
    }
}
