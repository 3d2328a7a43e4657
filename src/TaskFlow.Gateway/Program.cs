var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();
// Metrics and health details for the operator on their own port; the public one serves only /alive of them.
builder.AddManagementPort();

var app = builder.Build();

app.UseGatewayHeaders();
app.MapDefaultEndpoints(isPublic: true);
app.MapReverseProxy();

app.Run();
