namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// US Social Security numbers, AAA-GG-SSSS. The SSA never issues area 000, 666 or 900-999, group 00 or serial 0000,
/// so those are ordinary numbers, not SSNs.
/// </summary>
public static class SocialSecurityNumber
{
    public static bool IsValid(ReadOnlySpan<char> area, ReadOnlySpan<char> group, ReadOnlySpan<char> serial) =>
        area.Length == 3 && group.Length == 2 && serial.Length == 4
        && area is not "000" and not "666" && area[0] != '9'
        && group is not "00"
        && serial is not "0000";
}
