var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();

app.UseGatewayHeaders();
app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();
