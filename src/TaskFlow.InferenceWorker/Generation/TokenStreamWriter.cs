using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TaskFlow.Contracts.Streaming;
using Kinds = TaskFlow.Contracts.Streaming.TokenStreamKeys.Kinds;

namespace TaskFlow.InferenceWorker.Generation;

/// <summary>Appends one generation's events to its Redis stream, numbering them, and wakes readers after each append.</summary>
public sealed class TokenStreamWriter(IConnectionMultiplexer redis, IOptions<InferenceOptions> options, TimeProvider clock)
{
    public async Task<GenerationStreamSession> OpenAsync(Guid generationId)
    {
        var database = redis.GetDatabase();
        var last = await database.LastTokenStreamEntryAsync(TokenStreamKeys.Key(generationId));
        return new GenerationStreamSession(database, redis.GetSubscriber(), generationId,
            sequence: last?.Sequence ?? 0,
            isFinished: last?.Kind == Kinds.End,
            wasStarted: last is not null,
            answerPending: last?.Kind is Kinds.Start or Kinds.Throttled,
            options.Value.TokenEntryInterval, clock);
    }
}

/// <summary>The writer's side of one generation stream.</summary>
public sealed class GenerationStreamSession(
    IDatabase database, ISubscriber subscriber, Guid generationId, long sequence, bool isFinished, bool wasStarted, bool answerPending,
    TimeSpan tokenEntryInterval, TimeProvider clock)
{
    private readonly RedisKey _key = TokenStreamKeys.Key(generationId);
    private readonly RedisChannel _channel = RedisChannel.Literal(TokenStreamKeys.NotifyChannel(generationId));
    private long _sequence = sequence;

    // Tokens not yet written, and the write that takes them. A monitor, not a Lock: the write's first part runs on the
    // appending thread, inside the section that started it.
    private readonly object _tokensGate = new();
    private readonly System.Text.StringBuilder _pendingText = new();
    private int _pendingTokens;
    private bool _writingTokens;
    private Task _tokenWrites = Task.CompletedTask;
    // When the last entry of tokens was taken (0, the clock's origin, before the first: long enough ago), and a caller
    // waiting for the held ones (the answer's end): completed, it cuts the pause short and skips the next. Its
    // continuations run apart from the thread that completes it, which holds the gate.
    private long _lastTokenEntry;
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A previous attempt already wrote the end entry (the job was redelivered after it finished).</summary>
    public bool IsFinished { get; } = isFinished;

    /// <summary>A previous attempt wrote entries but did not finish: readers must drop what they showed.</summary>
    public bool WasStarted { get; } = wasStarted;

    /// <summary>
    /// The stream's last start has no answer after it yet (the job went to wait for the rate limit, or its worker
    /// died before the first token): readers have nothing to drop, so the job goes on without a new start.
    /// </summary>
    public bool AnswerPending { get; } = answerPending;

    public async Task StartAsync(bool restarted)
    {
        await TokensWrittenAsync();
        // A worker that dies mid-answer must not leave the stream behind forever. The expiry goes out right behind the
        // entry, in the same round trip: Redis runs one connection's commands in order, so the key exists by then.
        var appending = AppendAsync(TokenStreamEntry.Start(restarted));
        var expiring = WhenReconnectedAsync(() => database.KeyExpireAsync(_key, TokenStreamKeys.RetentionAfterEnd * 3));
        await Task.WhenAll(appending, expiring);
    }

    public async Task RetryAsync(int attempt, TimeSpan delay, string errorCode)
    {
        await TokensWrittenAsync();
        await AppendAsync(TokenStreamEntry.Retry(attempt, delay, errorCode));
    }

    public async Task ThrottledAsync(TimeSpan wait)
    {
        await TokensWrittenAsync();
        await AppendAsync(TokenStreamEntry.Throttled(wait));
    }

    /// <summary>
    /// A token goes to the stream at once when no write of tokens is under way and the last entry of tokens is at least
    /// <c>Inference:TokenEntryInterval</c> old; the ones that come sooner wait and go together in the next entry. So a
    /// model at human reading speed still gets one entry (and one notification) per token, and a fast one, or a busy
    /// machine, costs one write per interval (or per round trip) instead of one per token, which every reader, socket
    /// and client pays for again. The caller does not wait for Redis: a write that failed fails the next call (or
    /// <see cref="EndAsync"/>).
    /// </summary>
    public Task AppendTokenAsync(string text)
    {
        lock (_tokensGate)
        {
            if (_tokenWrites.IsFaulted)
            {
                return _tokenWrites;
            }
            _pendingText.Append(text);
            _pendingTokens++;
            if (!_writingTokens)
            {
                _writingTokens = true;
                _tokenWrites = WritePendingTokensAsync();
            }
            return Task.CompletedTask;
        }
    }

    public async Task EndAsync(string status, long? inputTokens, long? outputTokens, ModelError? error, string? finishReason = null)
    {
        await TokensWrittenAsync();
        await AppendAsync(TokenStreamEntry.End(status, inputTokens, outputTokens, error?.Code, error?.UserMessage, finishReason));
        await WhenReconnectedAsync(() => database.KeyExpireAsync(_key, TokenStreamKeys.RetentionAfterEnd));
    }

    private async Task WritePendingTokensAsync()
    {
        TokenPathTracing.LeaveTrace();
        while (true)
        {
            TimeSpan wait;
            Task hurry;
            lock (_tokensGate)
            {
                if (_pendingTokens == 0)
                {
                    _writingTokens = false;
                    ResetHurry();
                    return;
                }
                hurry = _hurry.Task;
                wait = hurry.IsCompleted ? TimeSpan.Zero : tokenEntryInterval - clock.GetElapsedTime(_lastTokenEntry);
            }
            if (wait > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(wait, clock), hurry);
            }
            string text;
            int tokens;
            lock (_tokensGate)
            {
                ResetHurry();
                (text, tokens) = (_pendingText.ToString(), _pendingTokens);
                _pendingText.Clear();
                _pendingTokens = 0;
                _lastTokenEntry = clock.GetTimestamp();
            }
            await AppendAsync(TokenStreamEntry.Token(text, tokens));
        }
    }

    /// <summary>
    /// Every token appended so far is in the stream (or its write's failure is thrown): entries keep their order. Tokens
    /// held back for the entry interval go at once.
    /// </summary>
    public Task TokensWrittenAsync()
    {
        lock (_tokensGate)
        {
            if (_writingTokens)
            {
                _hurry.TrySetResult();
            }
            return _tokenWrites;
        }
    }

    /// <summary>A caller's hurry is over once the tokens it waited for are taken. Under the gate.</summary>
    private void ResetHurry()
    {
        if (_hurry.Task.IsCompleted)
        {
            _hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private async Task AppendAsync(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var numbered = TokenStreamEntry.SequenceField(sequence);
        var entry = new NameValueEntry[fields.Count + 1];
        entry[0] = new NameValueEntry(numbered.Key, numbered.Value);
        for (var i = 0; i < fields.Count; i++)
        {
            entry[i + 1] = new NameValueEntry(fields[i].Key, fields[i].Value);
        }
        await WhenReconnectedAsync(
            () => database.StreamAddAsync(_key, entry),
            alreadyDone: async () => await LastSequenceAsync() >= sequence);
        await subscriber.PublishAsync(_channel, sequence, CommandFlags.FireAndForget);
    }

    private async Task<long> LastSequenceAsync() => (await database.LastTokenStreamEntryAsync(_key))?.Sequence ?? 0;

    /// <summary>
    /// A command on the wire when Redis restarts fails at once, though Redis may have applied it; commands sent after
    /// that wait for the reconnect, and the first ones after it may be told Redis is still loading its data. So a quick
    /// restart costs a write or two, tried again (after checking that Redis did not take it) instead of failing the
    /// whole answer, which would make the user watch it start over.
    /// Redis away for longer ends in a timeout, which is not caught: the job is run again once Redis is back.
    /// </summary>
    private static async Task WhenReconnectedAsync(Func<Task> write, Func<Task<bool>>? alreadyDone = null)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                if (tries == 1 || alreadyDone is null || !await alreadyDone())
                {
                    await write();
                }
                return;
            }
            catch (Exception ex) when (RedisFailure.IsRestarting(ex) && tries < MaxWriteTries)
            {
                await Task.Delay(ReconnectPause * tries);
            }
        }
    }

    private const int MaxWriteTries = 3;
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(200);
}
