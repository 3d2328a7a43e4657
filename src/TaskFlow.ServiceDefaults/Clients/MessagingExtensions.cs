using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>MassTransit over RabbitMQ from <c>ConnectionStrings:messaging</c> (<c>amqp://user:password@host:port</c>, as Aspire writes it).</summary>
public static class MessagingExtensions
{
    public const string ConnectionName = "messaging";

    public static IHostApplicationBuilder AddTaskFlowMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configureConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var broker = RabbitMqAddress.Parse(builder.Configuration.GetRequiredConnectionString(ConnectionName));

        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit reports usage to its vendor after start unless told not to; nothing here phones home.
            bus.DisableUsageTelemetry();
            bus.SetKebabCaseEndpointNameFormatter();
            configureConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, broker.Port, broker.VirtualHost, host =>
                {
                    host.Username(broker.UserName);
                    host.Password(broker.Password);
                });
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(30);
            options.ConsumerStopTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }
}
