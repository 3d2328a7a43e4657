using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace TaskFlow.UnitTests.Architecture;

/// <summary>
/// ChatSocket's folders depend on each other one way (docs/architecture.md): adapters (Sockets, Api, OpenAi, and
/// Messaging for the bus) on the
/// use cases (Turns) and the relay (Generations), those on the stores and the infrastructure beneath, never back.
/// </summary>
public sealed class LayeringTests
{
    private static readonly System.Reflection.Assembly ChatSocketAssembly = typeof(TaskFlow.ChatSocket.Turns.TurnSubmitter).Assembly;

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> ChatSocket =
        new(() => new ArchLoader().LoadAssemblies(ChatSocketAssembly).Build());

    [Fact]
    public void ChatSocket_namespaces_have_no_cycles() =>
        SliceRuleDefinition.Slices().Matching("TaskFlow.ChatSocket.(*)").Should().BeFreeOfCycles().Check(ChatSocket.Value);

    [Theory]
    [InlineData("TaskFlow.ChatSocket.Turns")]
    [InlineData("TaskFlow.ChatSocket.Generations")]
    [InlineData("TaskFlow.ChatSocket.Conversations")]
    [InlineData("TaskFlow.ChatSocket.Queue")]
    [InlineData("TaskFlow.ChatSocket.Streaming")]
    public void Use_cases_relay_and_stores_know_no_protocol_adapter(string layer) =>
        Types().That().ResideInNamespace(layer).Should()
            .NotDependOnAny(Types().That().ResideInNamespaceOrBelow("TaskFlow.ChatSocket.Sockets")
                .Or().ResideInNamespace("TaskFlow.ChatSocket.Api")
                .Or().ResideInNamespace("TaskFlow.ChatSocket.OpenAi")
                .Or().ResideInNamespace("TaskFlow.ChatSocket.Messaging"))
            .Check(ChatSocket.Value);

    /// <summary>
    /// Stores persist and nothing else: no store method takes a delegate that could call back into business logic
    /// (a turn's writes are made one unit by ChatUnitOfWork, driven from the use case), and no store knows a use case.
    /// </summary>
    [Fact]
    public void Stores_take_no_callbacks_and_know_no_use_case()
    {
        var stores = ChatSocketAssembly.GetTypes().Where(t => t.IsPublic && t.Name.EndsWith("Store", StringComparison.Ordinal)).ToList();
        Assert.Contains(stores, t => t == typeof(TaskFlow.ChatSocket.Conversations.ConversationStore));
        Assert.Contains(stores, t => t == typeof(TaskFlow.ChatSocket.Conversations.JobStore));
        var callbacks = stores
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            .Where(m => m.GetParameters().Any(p => typeof(Delegate).IsAssignableFrom(p.ParameterType)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        Assert.Empty(callbacks);

        Types().That().HaveNameEndingWith("Store").And().ResideInNamespace("TaskFlow.ChatSocket.Conversations").Should()
            .NotDependOnAny(Types().That().ResideInNamespace("TaskFlow.ChatSocket.Turns")
                .Or().HaveFullName(typeof(TaskFlow.ChatSocket.Conversations.PromptBuilder).FullName!))
            .Check(ChatSocket.Value);
    }

    /// <summary>
    /// One writer of a job's stored answer: AnswerOutcomes, whichever way it hears that the answer ended (the adapter
    /// that followed it, or the worker's result on the bus).
    /// </summary>
    [Fact]
    public void Only_AnswerOutcomes_stores_an_answer()
    {
        var jobStore = typeof(TaskFlow.ChatSocket.Conversations.JobStore);
        var saving = MethodMembers().That().AreDeclaredIn(jobStore)
            .And().HaveNameStartingWith(nameof(TaskFlow.ChatSocket.Conversations.JobStore.SaveReplyAsync));
        // Async methods' state machines are types of their own, named after the class.
        Types().That().CallAny(saving).Should()
            .HaveFullNameStartingWith(typeof(TaskFlow.ChatSocket.Turns.AnswerOutcomes).FullName!)
            .OrShould().HaveFullNameStartingWith(jobStore.FullName!)
            .Check(ChatSocket.Value);
    }

    /// <summary>
    /// One writer per shared fact: the queue board is ChatSocket's (QueueBoardWriter, which QueuePositions reads); the
    /// worker says it took a job with a message instead of touching the board.
    /// </summary>
    [Fact]
    public void Only_ChatSocket_touches_the_queue_board()
    {
        var board = typeof(TaskFlow.Contracts.Streaming.QueueBoard);
        var workers = new ArchLoader().LoadAssemblies(typeof(TaskFlow.InferenceWorker.Generation.GenerateReplyConsumer).Assembly, board.Assembly).Build();
        Types().That().ResideInAssembly(typeof(TaskFlow.InferenceWorker.Generation.GenerateReplyConsumer).Assembly).Should()
            .NotDependOnAny(Types().That().HaveFullName(board.FullName!)).Check(workers);
        var chatSocket = new ArchLoader().LoadAssemblies(ChatSocketAssembly, board.Assembly).Build();
        // Their async methods' state machines are types of their own, named after them.
        Types().That().DependOnAny(Types().That().HaveFullName(board.FullName!)).And().ResideInAssembly(ChatSocketAssembly).Should()
            .HaveFullNameStartingWith(typeof(TaskFlow.ChatSocket.Queue.QueueBoardWriter).FullName!)
            .OrShould().HaveFullNameStartingWith(typeof(TaskFlow.ChatSocket.Queue.QueuePositions).FullName!)
            .Check(chatSocket);
    }
}
