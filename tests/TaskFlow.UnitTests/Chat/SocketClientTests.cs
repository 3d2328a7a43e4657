using Jint;
using Jint.Native.Object;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.UnitTests.Chat;

/// <summary>
/// The chat page's connection (wwwroot/js/chat/socket-client.js, the very file the page loads) run by a JavaScript
/// interpreter over a scripted socket and clock: what is held while the socket opens, when it reconnects and from
/// which token.
/// </summary>
public sealed class SocketClientTests
{
    private static readonly string ScriptFolder = Path.Combine(AppContext.BaseDirectory, "TaskFlow.Web", "wwwroot", "js");

    // A socket the test opens, drops and feeds; timers that fire when the test says.
    private const string Harness = """
        import { ChatConnection, reconnectDelay, socketUrl, RECONNECT_MAX_MS, CONVERSATION_NOT_FOUND, SERVICE_RESTART, RESTART_SPREAD_MS } from "./chat/socket-client.js";
        export { reconnectDelay, socketUrl, RECONNECT_MAX_MS, CONVERSATION_NOT_FOUND, SERVICE_RESTART, RESTART_SPREAD_MS };
        export const log = [];
        export const sockets = [];
        class ScriptedSocket {
          constructor(url) { this.url = url; this.readyState = 0; this.sent = []; this.closed = false; sockets.push(this); }
          send(data) { if (this.readyState !== 1) throw new Error("sent on a socket that is not open"); this.sent.push(JSON.parse(data).type); }
          close() { this.closed = true; this.readyState = 3; }
          open() { this.readyState = 1; this.onopen?.(); }
          drop(code) { this.readyState = 3; this.onclose?.({ code }); }
          receive(text) { this.onmessage?.({ data: text }); }
        }
        let nextTimer = 1;
        export const timers = {
          pending: new Map(),
          setTimeout(callback, ms) { const id = nextTimer++; this.pending.set(id, { callback, ms }); return id; },
          clearTimeout(id) { this.pending.delete(id); },
          fire() { const [id, timer] = [...this.pending][0]; this.pending.delete(id); timer.callback(); return timer.ms; },
        };
        let seen = 0;
        export const see = (seq) => { seen = seq; };
        export const connection = new ChatConnection({
          url: (lastSeq) => `ws://chat/ws?lastSeq=${lastSeq}`,
          resumeSeq: () => seen,
          on: {
            connecting: (again) => log.push(again ? "reconnecting" : "connecting"),
            open: () => log.push("open"),
            message: (event) => log.push(`event ${event.type}`),
            closedBeforeOpen: () => log.push("closed before open"),
            reconnecting: (due) => log.push(`retry at ${due}`),
          },
          createSocket: (url) => new ScriptedSocket(url),
          timers,
          now: () => 1000,
          random: () => 0.5,
        });
        export const last = () => sockets[sockets.length - 1];
        export const sent = () => last().sent.join(",");
        """;

    private readonly Engine _engine;
    private readonly ObjectInstance _page;

    public SocketClientTests()
    {
        _engine = new Engine(options => options.EnableModules(ScriptFolder).TimeoutInterval(TimeSpan.FromSeconds(5)));
        _engine.Modules.Add("harness", Harness);
        _page = _engine.Modules.Import("harness");
    }

    [Fact]
    public void What_the_person_sends_while_the_socket_opens_goes_out_in_order_once_it_is_open_and_typing_is_not_held()
    {
        Run("connection.connect(0)");
        Assert.Equal("false", Run("connection.isOpen"));
        Assert.Equal("true", Run("connection.send({ type: 'user_message', text: 'one' })"));
        Assert.Equal("false", Run("connection.send({ type: 'user_typing' })"));
        Assert.Equal("true", Run("connection.send({ type: 'regenerate' }, () => log.push('regenerate went out'))"));
        Assert.Equal("", Run("sent()"));

        Run("last().open()");

        Assert.Equal("user_message,regenerate", Run("sent()"));
        Assert.Equal("connecting,open,regenerate went out", Run("log.join(',')"));
        Assert.Equal("true", Run("connection.send({ type: 'user_typing' })"));
        Assert.Equal("user_message,regenerate,user_typing", Run("sent()"));
    }

    [Fact]
    public void Sending_with_no_socket_opens_one_and_holding_keeps_everything_until_released()
    {
        Run("connection.hold(true)");
        Run("connection.send({ type: 'user_message', text: 'while loading' })");
        Assert.Equal("0", Run("sockets.length"));

        Run("connection.connect(0); last().open()");
        Assert.Equal("", Run("sent()"));
        Run("connection.hold(false)");
        Assert.Equal("user_message", Run("sent()"));

        Run("connection.close()");
        Assert.Equal("true", Run("last().closed"));
        Run("connection.send({ type: 'generate_question' })");
        Assert.Equal("2", Run("sockets.length"));
    }

    [Fact]
    public void A_new_conversation_drops_what_was_held_for_the_old_one()
    {
        Run("connection.connect(0); connection.send({ type: 'user_message', text: 'for the old one' })");
        Run("connection.close(); connection.connect(0); last().open()");
        Assert.Equal("", Run("sent()"));
    }

    [Fact]
    public void A_dropped_socket_reconnects_with_growing_delays_from_the_last_token_seen()
    {
        Run("connection.connect(0); last().open(); see(41)");
        Run("last().drop(1006)");
        Assert.Equal("true", Run("connection.isWaiting"));
        Assert.Equal("retry at 1500", Run("log.at(-1)"));

        Assert.Equal("500", Run("timers.fire()"));
        Assert.Equal("ws://chat/ws?lastSeq=41", Run("last().url"));
        Assert.Equal("reconnecting", Run("log.at(-1)"));
        // Failing again before it opens: a longer wait, and the page checks whether the person is still signed in.
        Run("last().drop(1006)");
        Assert.Equal("closed before open", Run("log.at(-2)"));
        Assert.Equal("1000", Run("timers.fire()"));
        Run("last().drop(1006)");
        Assert.Equal("2000", Run("timers.fire()"));
        // Open again: the next drop starts from the shortest wait.
        Run("last().open(); last().drop(1006)");
        Assert.Equal("500", Run("timers.fire()"));
    }

    [Fact]
    public void Reconnecting_now_skips_the_wait_and_a_missing_conversation_is_not_reconnected_to()
    {
        Run("connection.connect(0); last().open(); see(7); last().drop(1006)");
        Run("connection.reconnectNow()");
        Assert.Equal("0", Run("timers.pending.size"));
        Assert.Equal("ws://chat/ws?lastSeq=7", Run("last().url"));
        Assert.Equal("connecting", Run("log.at(-1)"));

        Run("last().open(); last().drop(4404)");
        Assert.Equal("0", Run("timers.pending.size"));
        Assert.Equal("false", Run("connection.isWaiting"));
    }

    [Fact]
    public void A_replica_that_goes_away_is_left_at_once_for_another_within_the_spread_and_without_backoff()
    {
        Run("connection.connect(0); last().open(); see(23)");
        // Earlier failures do not lengthen the wait after a restart.
        Run("last().drop(1006); timers.fire(); last().drop(1006); timers.fire(); last().open()");

        Run($"last().drop({SocketCloseCodes.ServiceRestart})");

        Assert.Equal("1000", Run("timers.fire()"));
        Assert.Equal("ws://chat/ws?lastSeq=23", Run("last().url"));
        Assert.Equal("2000", Run("RESTART_SPREAD_MS"));
        // Failing after the restart backs off from the start as usual.
        Run("last().drop(1006)");
        Assert.Equal("500", Run("timers.fire()"));
    }

    [Fact]
    public void The_page_reads_the_close_codes_the_server_sends()
    {
        Assert.Equal(SocketCloseCodes.ServiceRestart.ToString(System.Globalization.CultureInfo.InvariantCulture), Run("SERVICE_RESTART"));
        Assert.Equal(SocketCloseCodes.ConversationNotFound.ToString(System.Globalization.CultureInfo.InvariantCulture), Run("CONVERSATION_NOT_FOUND"));
    }

    [Fact]
    public void Server_events_reach_the_page_and_frames_that_are_not_JSON_are_ignored()
    {
        Run("connection.connect(0); last().open()");
        Run("last().receive('{\"type\":\"ai_token\"}'); last().receive('not json'); last().receive('{\"type\":\"ai_done\"}')");
        Assert.Equal("connecting,open,event ai_token,event ai_done", Run("log.join(',')"));
    }

    [Theory]
    [InlineData(0, 0.0, 375)]
    [InlineData(0, 1.0, 625)]
    [InlineData(3, 0.5, 4000)]
    [InlineData(5, 0.5, 10_000)]
    [InlineData(30, 1.0, 12_500)]
    public void The_backoff_doubles_from_half_a_second_to_ten_with_a_quarter_of_jitter(int attempt, double random, int expected) =>
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Run($"reconnectDelay({attempt}, () => {random.ToString(System.Globalization.CultureInfo.InvariantCulture)})"));

    [Fact]
    public void The_address_resumes_a_conversation_or_names_a_new_chats_model()
    {
        Assert.Equal("wss://example.org/ws?conversationId=c1&lastSeq=12&lang=de",
            Run("socketUrl({ protocol: 'https:', host: 'example.org' }, { conversationId: 'c1', lastSeq: 12, model: 'm', language: 'de' })"));
        Assert.Equal("ws://localhost:5000/ws?model=qwen%2Fsmall%20one",
            Run("socketUrl({ protocol: 'http:', host: 'localhost:5000' }, { conversationId: null, lastSeq: 0, model: 'qwen/small one' })"));
        Assert.Equal("ws://h/ws", Run("socketUrl({ protocol: 'http:', host: 'h' }, { conversationId: null, model: '' })"));
    }

    /// <summary>Evaluates an expression with the harness's exports in scope; the result as JavaScript prints it.</summary>
    private string Run(string expression)
    {
        var names = string.Join(", ", _page.GetOwnPropertyKeys().Where(key => key.IsString()).Select(key => key.ToString()));
        var function = _engine.Evaluate($"(function ({{ {names} }}) {{ return String(({expression.Replace(";", ",", StringComparison.Ordinal)})); }})");
        return _engine.Invoke(function, _page).AsString();
    }
}
