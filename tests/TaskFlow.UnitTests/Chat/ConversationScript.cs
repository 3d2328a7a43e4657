using System.Text.Json;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;
using TaskFlow.ChatSocket.Api;
using TaskFlow.ChatSocket.Generations;
using TaskFlow.ChatSocket.Sockets;

namespace TaskFlow.UnitTests.Chat;

/// <summary>
/// The chat page's conversation module (wwwroot/js/chat/conversation-state.js, the very file the page loads) run by a
/// JavaScript interpreter. Server events go in as the socket sends them: the server's own event records, serialised
/// with the socket's JSON options. The state after each step is read back as JSON.
/// </summary>
internal sealed class ConversationScript
{
    private static readonly string ScriptFolder = Path.Combine(AppContext.BaseDirectory, "TaskFlow.Web", "wwwroot", "js");

    private readonly Engine _engine;
    private readonly ObjectInstance _module;
    private JsValue _state;

    public ConversationScript(Guid? conversationId = null)
    {
        _engine = new Engine(options => options.EnableModules(ScriptFolder).TimeoutInterval(TimeSpan.FromSeconds(5)));
        _module = _engine.Modules.Import("./chat/conversation-state.js");
        _state = Call("initialState", conversationId is { } id ? id.ToString() : JsValue.Null);
    }

    /// <summary>The conversation as the module holds it now.</summary>
    public JsonElement State => JsonDocument.Parse(new Jint.Native.Json.JsonSerializer(_engine).Serialize(_state).ToString()).RootElement;

    /// <summary>What the last step asked the page to show, in order.</summary>
    public IReadOnlyList<JsonElement> Effects => [.. State.GetProperty("effects").EnumerateArray()];

    public IReadOnlyList<string> EffectTypes => [.. Effects.Select(effect => effect.GetProperty("type").GetString()!)];

    public string? Current => State.GetProperty("current").GetString();

    public ConversationScript Receive(params ServerEvent[] events)
    {
        foreach (var serverEvent in events)
        {
            _state = Call("reduce", _state, Parse(serverEvent));
        }
        return this;
    }

    public ConversationScript HistoryLoaded(IEnumerable<MessageView> messages, bool reconcileOnResume)
    {
        _state = Call("historyLoaded", _state, Parse(messages.ToArray()), Parse(new { reconcileOnResume }));
        return this;
    }

    public ConversationScript HistoryReconciled(IEnumerable<MessageView> messages)
    {
        _state = Call("historyReconciled", _state, Parse(messages.ToArray()));
        return this;
    }

    public ConversationScript UserMessageSent(int localId, string text)
    {
        _state = Call("userMessageSent", _state, localId, text);
        return this;
    }

    public ConversationScript QuestionRequested()
    {
        _state = Call("questionRequested", _state);
        return this;
    }

    public ConversationScript ConversationOpened(Guid? conversationId)
    {
        _state = Call("conversationOpened", _state, conversationId is { } id ? id.ToString() : JsValue.Null);
        return this;
    }

    /// <summary>The lastSeq a reconnect would send.</summary>
    public double ResumeSeq => Call("resumeSeq", _state).AsNumber();

    public bool IsStreaming => Call("isStreaming", _state).AsBoolean();

    public JsonElement Generation(Guid generationId) =>
        State.GetProperty("generations").TryGetProperty(generationId.ToString(), out var generation)
            ? generation
            : throw new Xunit.Sdk.XunitException($"The module knows no generation {generationId}");

    public bool HasGeneration(Guid generationId) => State.GetProperty("generations").TryGetProperty(generationId.ToString(), out _);

    public string Text(Guid generationId) => Generation(generationId).GetProperty("text").GetString()!;

    public string Phase(Guid generationId) => Generation(generationId).GetProperty("phase").GetString()!;

    public JsonElement Effect(string type) => Effects.Single(effect => effect.GetProperty("type").GetString() == type);

    private JsValue Call(string export, params object[] arguments) => _engine.Invoke(_module.Get(export), arguments);

    private JsValue Parse<T>(T value) =>
        new JsonParser(_engine).Parse(System.Text.Json.JsonSerializer.Serialize<object>(value!, SocketSender.Json));
}
