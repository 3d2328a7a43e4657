using TaskFlow.ChatSocket.Sockets.Protocol;

namespace TaskFlow.UnitTests.Sockets;

/// <summary>An event of a type the server does not know: the client is told which there are, and its own type, cut short.</summary>
public sealed class UnknownEventTests
{
    [Fact]
    public void The_error_lists_every_known_type_and_cuts_a_long_unknown_one()
    {
        var error = new ClientEvent(new string('x', 100), null, null).UnknownTypeError();

        Assert.Contains($"'{new string('x', 40)}…'", error, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 41), error, StringComparison.Ordinal);
        foreach (var known in new[] { ClientEvent.UserMessage, ClientEvent.Cancel, ClientEvent.Regenerate, ClientEvent.UserTyping, ClientEvent.UserStoppedTyping, ClientEvent.GenerateQuestion })
        {
            Assert.Contains(known, error, StringComparison.Ordinal);
        }
        Assert.Contains("'launch_rockets'", new ClientEvent("launch_rockets", null, null).UnknownTypeError(), StringComparison.Ordinal);
    }
}
