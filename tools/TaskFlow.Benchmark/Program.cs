using TaskFlow.Benchmark;

// Prints figures; asserts nothing. See docs/benchmarks.md for what each figure means.
if (!BenchmarkOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

return options.Scenario switch
{
    "chat" => await ChatLoad.RunAsync(options),
    "pipeline" => await TaskFlow.Benchmark.Pipeline.PipelineBenchmark.RunAsync(options),
    "redaction" => MicroBenchmarks.Redaction(options.Duration, Console.Out),
    "context" => MicroBenchmarks.Context(options.Duration, Console.Out),
    _ => MicroBenchmarks.Redaction(options.Duration, Console.Out) + MicroBenchmarks.Context(options.Duration, Console.Out),
};
