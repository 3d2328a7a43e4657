using System.ComponentModel.DataAnnotations;
using TaskFlow.ChatSocket.Queue;

namespace TaskFlow.UnitTests.Queue;

public sealed class QueueOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(Validate(new QueueOptions()));
    }

    [Fact]
    public void Redispatching_before_a_publish_may_have_timed_out_is_refused()
    {
        var errors = Validate(new QueueOptions { PublishTimeout = TimeSpan.FromSeconds(5), RedispatchAfter = TimeSpan.FromSeconds(5) });

        Assert.Contains(errors, error => error.MemberNames.Contains(nameof(QueueOptions.RedispatchAfter)));
    }

    [Fact]
    public void An_empty_batch_is_refused()
    {
        Assert.Contains(Validate(new QueueOptions { RedispatchBatchSize = 0 }),
            error => error.MemberNames.Contains(nameof(QueueOptions.RedispatchBatchSize)));
    }

    private static List<ValidationResult> Validate(QueueOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
