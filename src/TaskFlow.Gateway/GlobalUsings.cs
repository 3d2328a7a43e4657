global using TaskFlow.Gateway.Extensions;
