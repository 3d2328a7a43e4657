using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TaskFlow.Tests.Infrastructure;

/// <summary>Nothing phones home: MassTransit's usage report to its vendor is off in every service that uses the bus.</summary>
public sealed class MessagingTelemetryTests
{
    [Fact]
    public void The_bus_every_service_configures_sends_no_usage_telemetry()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{MessagingExtensions.ConnectionName}"] = "amqp://guest:guest@127.0.0.1:5672",
        });

        builder.AddTaskFlowMessaging();
        using var services = builder.Services.BuildServiceProvider();

        Assert.False(services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
