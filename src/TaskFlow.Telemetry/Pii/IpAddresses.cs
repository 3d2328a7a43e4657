using System.Net;
using System.Net.Sockets;

namespace TaskFlow.Telemetry.Pii;

/// <summary>Checks for IP address candidates.</summary>
public static class IpAddresses
{
    private static readonly string[] VersionWords = ["v", "ver", "version", "release", "build"];

    /// <summary>
    /// Four octets of at most 255, and not announced as a version ("version 1.2.3.4"): four-part version numbers
    /// within the octet range are otherwise indistinguishable from addresses.
    /// </summary>
    public static bool IsIPv4(string text, int index, int length)
    {
        foreach (var range in text.AsSpan(index, length).Split('.'))
        {
            if (int.Parse(text.AsSpan(index, length)[range], provider: null) > 255)
            {
                return false;
            }
        }

        return !FollowsVersionWord(text, index);
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
