using System.Net;
using System.Net.Sockets;

namespace TaskFlow.Telemetry.Pii;

/// <summary>Checks for IP address candidates.</summary>
public static class IpAddresses
{
    private static readonly string[] VersionWords =
        ["v", "ver", "version", "release", "build", "firmware", "fw", "sdk", "update", "upgrade", "patch", "driver", "kernel", "runtime"];

    /// <summary>
    /// Four octets of at most 255 that address a host, not a version written like one. Versions give themselves away:
    /// a version word before ("version 1.2.3.4"), a part with a leading zero (1.02.3.4), or a last part of 0 (2.4.1.0,
    /// 120.0.0.0), which as an address names a network rather than anyone's machine, unless a prefix length follows
    /// (10.0.0.0/8, still redacted as the network it is).
    /// </summary>
    public static bool IsIPv4(string text, int index, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        var candidate = text.AsSpan(index, length);
        foreach (var range in candidate.Split('.'))
        {
            var part = candidate[range];
            if ((part.Length > 1 && part[0] == '0') || int.Parse(part, provider: null) > 255)
            {
                return false;
            }
        }

        var end = index + length;
        var networkOnly = candidate.EndsWith(".0") && !(end + 1 < text.Length && text[end] == '/' && char.IsAsciiDigit(text[end + 1]));
        return !networkOnly && !FollowsVersionWord(text, index);
    }

    /// <summary>
    /// A full or compressed IPv6 address as the runtime parses it, with a decimal digit somewhere, and either three
    /// colons or a full four-digit group (2001::1, fe80::1). That leaves out the loopback and unspecified addresses
    /// (::1, ::), which identify no one, and code that parses as IPv6: Python slices a[1::2], "a::b".
    /// </summary>
    public static bool IsIPv6(ReadOnlySpan<char> candidate) =>
        candidate.ContainsAnyInRange('0', '9')
        && (candidate.Count(':') >= 3 || HasFullGroup(candidate))
        && IPAddress.TryParse(candidate, out var address)
        && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool HasFullGroup(ReadOnlySpan<char> candidate)
    {
        foreach (var range in candidate.Split(':'))
        {
            if (candidate[range].Length == 4)
            {
                return true;
            }
        }

        return false;
    }

    private static bool FollowsVersionWord(string text, int index)
    {
        var end = index;
        while (end > 0 && text[end - 1] == ' ')
        {
            end--;
        }

        var start = end;
        while (start > 0 && char.IsAsciiLetter(text[start - 1]))
        {
            start--;
        }

        var word = text.AsSpan(start, end - start);
        foreach (var versionWord in VersionWords)
        {
            if (word.Equals(versionWord, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
