using System.ComponentModel.DataAnnotations;

namespace TaskFlow.Telemetry;

/// <summary>Settings under <c>Telemetry</c>; validated at start so a bad value stops the service instead of a consumer.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>Characters kept of each redacted preview. Previews are for recognising a call, not for replaying it.</summary>
    [Range(32, 4000)]
    public int PreviewMaxLength { get; set; } = 500;

    /// <summary>Characters kept of a redacted error message.</summary>
    [Range(64, 8000)]
    public int ErrorMessageMaxLength { get; set; } = 1000;
}
