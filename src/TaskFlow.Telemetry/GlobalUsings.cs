global using TaskFlow.Telemetry.Extensions;
global using TaskFlow.Telemetry.Stats;
