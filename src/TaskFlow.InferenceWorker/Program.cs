var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddManagementPort();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
