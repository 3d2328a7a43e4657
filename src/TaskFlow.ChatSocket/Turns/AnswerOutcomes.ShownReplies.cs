using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;
using TaskFlow.ChatSocket.Conversations;
using TaskFlow.Contracts.Chat;

namespace TaskFlow.ChatSocket.Turns;

public sealed partial class AnswerOutcomes
{
    /// <summary>
    /// The answers relays are about to show, stored several in one statement when they end together: an answer that
    /// ends while nothing is being written goes at once, and those that end while a write is under way go together in
    /// the next. So at rest nothing waits, and under load the database gets one statement per round trip instead of one
    /// per answer.
    /// </summary>
    internal sealed class ShownReplies(IServiceScopeFactory scopes, ILogger logger)
    {
        private const int MaxBatch = 100;
        private int _writes;

        /// <summary>How long an answer is held back for its write while the database is away.</summary>
        private static readonly TimeSpan ShowingPatience = TimeSpan.FromSeconds(5);

        private readonly Lock _gate = new();
        private readonly List<PendingReply> _pending = [];
        private bool _writing;

        /// <summary>
        /// True once <paramref name="reply"/> is stored (or was already); false when the database did not take it within
        /// a few seconds: the caller shows the answer anyway, and the worker's result on the bus stores it once the
        /// database is back.
        /// </summary>
        public async Task<bool> TrySaveAsync(ReplyFinished reply)
        {
            var pending = new PendingReply(reply, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            bool lead;
            lock (_gate)
            {
                _pending.Add(pending);
                lead = !_writing;
                _writing = true;
            }
            if (lead)
            {
                _ = WriteAllAsync();
            }
            try
            {
                return await pending.Saved.Task.WaitAsync(ShowingPatience);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        /// <summary>Writes until nothing waits; never throws, so the next answer always finds a writer.</summary>
        private async Task WriteAllAsync()
        {
            while (true)
            {
                List<PendingReply> batch;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _writing = false;
                        return;
                    }
                    batch = _pending.GetRange(0, Math.Min(MaxBatch, _pending.Count));
                    _pending.RemoveRange(0, batch.Count);
                }
                var saved = await WriteAsync(batch);
                foreach (var pending in batch)
                {
                    pending.Saved.TrySetResult(saved);
                }
            }
        }

        private async Task<bool> WriteAsync(List<PendingReply> batch)
        {
            Interlocked.Increment(ref _writes);
            using var patience = new CancellationTokenSource(ShowingPatience);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<JobStore>().SaveReplyAsync(batch.ConvertAll(p => p.Reply), patience.Token);
                return true;
            }
            catch (Exception ex) when (ex is DbException or RetryLimitExceededException
                || ex is OperationCanceledException && patience.IsCancellationRequested)
            {
                // The result consumer stores them when the database is back; the clients still get their answers now.
                logger.LogWarning("Storing {Count} answer(s) before showing them failed; the result consumer will store them: {Message}", batch.Count, ex.Message);
                return false;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Storing {Count} answer(s) before showing them failed; the result consumer will store them", batch.Count);
                return false;
            }
        }

        /// <summary>How many statements have been sent so far.</summary>
        public int Writes => Volatile.Read(ref _writes);

        private sealed record PendingReply(ReplyFinished Reply, TaskCompletionSource<bool> Saved);
    }
}
