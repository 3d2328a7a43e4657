using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace TaskFlow.UnitTests.Database;

/// <summary>
/// How a replica's start-up step against PostgreSQL is repeated: transient failures are retried a bounded number of
/// times in a row, waiting for a migration job is not bounded, and a refused login or cancellation ends it at once.
/// </summary>
public sealed class MigrationRoundsTests
{
    private static MigrationRounds Rounds() => new(NullLogger.Instance, "wait for migrations of TestContext", TimeSpan.Zero);

    private static Exception Transient() => new NpgsqlException("Failed to connect to 127.0.0.1:5432");

    [Fact]
    public async Task A_transient_failure_after_a_long_wait_is_retried_not_fatal()
    {
        // Before, waiting rounds counted against the attempts: after 30 of them one failure stopped the replica.
        var calls = 0;
        await Rounds().RunAsync(() =>
        {
            calls++;
            return calls switch
            {
                <= 40 => Task.FromResult(false),
                41 => Task.FromException<bool>(Transient()),
                _ => Task.FromResult(true),
            };
        }, CancellationToken.None);

        Assert.Equal(42, calls);
    }

    [Fact]
    public async Task Failures_count_in_a_row_and_a_round_that_reached_the_database_resets_them()
    {
        var script = new Queue<bool?>(
            Enumerable.Repeat<bool?>(null, MigrationRounds.MaxAttempts - 1)
                .Append(false)
                .Concat(Enumerable.Repeat<bool?>(null, MigrationRounds.MaxAttempts - 1))
                .Append(true));
        var calls = 0;

        await Rounds().RunAsync(() =>
        {
            calls++;
            return script.Dequeue() is { } done ? Task.FromResult(done) : Task.FromException<bool>(Transient());
        }, CancellationToken.None);

        Assert.Equal(2 * MigrationRounds.MaxAttempts, calls);
    }

    [Fact]
    public async Task Failures_in_a_row_give_up_after_the_last_attempt_with_the_error()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<NpgsqlException>(() => Rounds().RunAsync(() =>
        {
            calls++;
            return Task.FromException<bool>(Transient());
        }, CancellationToken.None));

        Assert.Equal(MigrationRounds.MaxAttempts, calls);
        Assert.Contains("Failed to connect", error.Message);
    }

    [Fact]
    public async Task A_refused_login_is_reported_at_once()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<PostgresException>(() => Rounds().RunAsync(() =>
        {
            calls++;
            return Task.FromException<bool>(new PostgresException("password authentication failed for user \"taskflow\"", "FATAL", "FATAL", PostgresErrorCodes.InvalidPassword));
        }, CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task Stopping_ends_a_wait_without_another_round()
    {
        using var stopping = new CancellationTokenSource();
        var calls = 0;
        var rounds = new MigrationRounds(NullLogger.Instance, "wait for migrations of TestContext", TimeSpan.FromMinutes(1));

        var run = rounds.RunAsync(() =>
        {
            calls++;
            return Task.FromResult(false);
        }, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, calls);
    }
}
