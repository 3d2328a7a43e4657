var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddManagementPort();
builder.AddHttp2Port();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseCrossSiteProtection();
app.MapApplicationEndpoints();

// With --migrate: apply this service's schema migrations and exit (Kubernetes' migration job).
return app.RunService(args);
