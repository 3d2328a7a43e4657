using System.Globalization;
using System.Numerics;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

/// <summary>One labelled sentence: the value in it and what it is (null: an ordinary value that must survive).</summary>
public sealed record PiiCase(string Text, string Value, PiiKind? Kind);

/// <summary>
/// A labelled corpus, generated from a fixed seed so it is the same on every run: valid values of every kind, each in
/// several real-world spellings and sentence contexts, and hard negatives that look like them (checksum near-misses,
/// dates, amounts, versions, order ids, out-of-range addresses). Check digits are computed here independently of the
/// production code, so a bug in its checksums cannot hide in the test data.
/// </summary>
public static partial class PiiCorpus
{
    private const int PerKind = 32;

    private static readonly string[] Contexts =
    [
        "Please use {0} for this.",
        "my details: {0}",
        "{0} is what I have on file",
        "Can you check ({0}) again?",
        "Here you go -> {0}. Thanks!",
        "The value was \"{0}\", right?",
    ];

    public static IReadOnlyList<PiiCase> Build()
    {
        var random = new Random(20261122);
        var cases = new List<PiiCase>();
        void Add(PiiKind? kind, string value) =>
            cases.Add(new PiiCase(string.Format(CultureInfo.InvariantCulture, Contexts[cases.Count % Contexts.Length], value), value, kind));

        for (var i = 0; i < PerKind; i++)
        {
            Add(PiiKind.Card, Card(random, i));
            Add(PiiKind.Aadhaar, Aadhaar(random, i));
            Add(PiiKind.Pan, Pan(random));
            Add(PiiKind.Iban, Iban(random, i));
            Add(PiiKind.Email, Email(random));
            Add(PiiKind.Phone, Phone(random, i));
            Add(PiiKind.Ssn, Ssn(random, i));
            Add(PiiKind.IpAddress, i % 3 == 0 ? Ipv6(random, i) : Ipv4(random));
        }
        foreach (var negative in HardNegatives(random))
        {
            Add(null, negative);
        }
        cases.AddRange(HardeningCases(new Random(20261129)));
        return cases;
    }

    private static string Digits(Random random, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => random.Next(10).ToString(CultureInfo.InvariantCulture)));

    private static int LuhnCheckDigit(string payload)
    {
        var sum = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var digit = payload[payload.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return (10 - (sum % 10)) % 10;
    }

    private static string Card(Random random, int variant, bool valid = true)
    {
        var (prefix, length) = (variant % 4) switch
        {
            0 => ("4", 16),
            1 => ("5" + random.Next(1, 6).ToString(CultureInfo.InvariantCulture), 16),
            2 => (random.Next(2) == 0 ? "34" : "37", 15),
            _ => ("6011", 16),
        };
        var payload = prefix + Digits(random, length - prefix.Length - 1);
        var check = LuhnCheckDigit(payload);
        var number = payload + (valid ? check : (check + 1 + random.Next(8)) % 10).ToString(CultureInfo.InvariantCulture);
        return (variant / 4 % 3, length) switch
        {
            (0, _) => number,
            (1, 15) => $"{number[..4]} {number[4..10]} {number[10..]}",
            (1, _) => string.Join(' ', number.Chunk(4).Select(c => new string(c))),
            (_, _) => string.Join('-', number.Chunk(4).Select(c => new string(c))),
        };
    }

    private static readonly int[,] VerhoeffD =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
        { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
        { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
        { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
    };

    private static readonly int[,] VerhoeffP =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
        { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
        { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
    };

    private static readonly int[] VerhoeffInverse = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

    private static int VerhoeffCheckDigit(string payload)
    {
        var c = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            c = VerhoeffD[c, VerhoeffP[(i + 1) % 8, payload[payload.Length - 1 - i] - '0']];
        }
        return VerhoeffInverse[c];
    }

    private static string Aadhaar(Random random, int variant, bool valid = true)
    {
        var payload = random.Next(2, 10).ToString(CultureInfo.InvariantCulture) + Digits(random, 10);
        var check = VerhoeffCheckDigit(payload);
        var number = payload + (valid ? check : (check + 1 + random.Next(8)) % 10).ToString(CultureInfo.InvariantCulture);
        return (variant % 3) switch
        {
            0 => number,
            1 => $"{number[..4]} {number[4..8]} {number[8..]}",
            _ => $"{number[..4]}-{number[4..8]}-{number[8..]}",
        };
    }

    private static string Letters(Random random, int count) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => (char)('A' + random.Next(26))));

    private static string Pan(Random random, bool valid = true)
    {
        const string holderTypes = "ABCFGHJLPT";
        const string otherLetters = "DEIKMNOQRSUVWXYZ";
        var fourth = valid ? holderTypes[random.Next(holderTypes.Length)] : otherLetters[random.Next(otherLetters.Length)];
        return $"{Letters(random, 3)}{fourth}{Letters(random, 1)}{Digits(random, 4)}{Letters(random, 1)}";
    }

    private static string Iban(Random random, int variant, bool valid = true)
    {
        var (country, bban) = (variant % 4) switch
        {
            0 => ("DE", Digits(random, 18)),
            1 => ("GB", Letters(random, 4) + Digits(random, 14)),
            2 => ("NL", Letters(random, 4) + Digits(random, 10)),
            _ => ("FR", Digits(random, 23)),
        };
        var rearranged = bban + country + "00";
        var numeric = string.Concat(rearranged.Select(ch => char.IsLetter(ch) ? (ch - 'A' + 10).ToString(CultureInfo.InvariantCulture) : ch.ToString()));
        var check = 98 - (int)(BigInteger.Parse(numeric, CultureInfo.InvariantCulture) % 97);
        if (!valid)
        {
            check = check % 97 + 1 == check ? check + 1 : (check % 97) + 1;
        }
        var iban = country + check.ToString("00", CultureInfo.InvariantCulture) + bban;
        return variant / 4 % 2 == 0 ? iban : string.Join(' ', iban.Chunk(4).Select(c => new string(c)));
    }

    private static string Email(Random random)
    {
        string[] names = ["jane.doe", "sam_smith", "li.wei+tasks", "o.connor", "ana-maria", "dev.ops99"];
        string[] domains = ["example.com", "mail.example.org", "corp.example.co.uk", "uni.example.edu", "example.in"];
        return $"{names[random.Next(names.Length)]}{random.Next(100)}@{domains[random.Next(domains.Length)]}";
    }

    private static string Phone(Random random, int variant) => (variant % 5) switch
    {
        0 => $"+44 20 {Digits(random, 4)} {Digits(random, 4)}",
        1 => $"+1 ({random.Next(200, 999)}) {random.Next(200, 999)}-{Digits(random, 4)}",
        2 => $"+91 {random.Next(6, 10)}{Digits(random, 4)} {Digits(random, 5)}",
        3 => $"+49 30 {Digits(random, 7)}",
        _ => $"({random.Next(200, 999)}) {random.Next(200, 999)}-{Digits(random, 4)}",
    };

    private static string Ssn(Random random, int variant)
    {
        var area = random.Next(1, 900);
        if (area == 666)
        {
            area = 665;
        }
        var ssn = $"{area:000}-{random.Next(1, 100):00}-{random.Next(1, 10000):0000}";
        return variant % 4 == 3 ? ssn.Replace('-', ' ') : ssn;
    }

    // A host's address: an address ending in .0 names a network (and is how versions end: 2.4.1.0), so it is not one.
    private static string Ipv4(Random random) => string.Join('.', Enumerable.Range(0, 4).Select(i => random.Next(i is 0 or 3 ? 1 : 0, 256)));

    private static string Ipv6(Random random, int variant)
    {
        var groups = Enumerable.Range(0, 8).Select(_ => random.Next(0x10000).ToString("x", CultureInfo.InvariantCulture)).ToArray();
        return variant % 2 == 0 ? string.Join(':', groups) : $"2001:db8:{groups[2]}::{groups[7]}";
    }

    private static IEnumerable<string> HardNegatives(Random random)
    {
        for (var i = 0; i < 12; i++)
        {
            yield return Card(random, i, valid: false);
            yield return Aadhaar(random, i, valid: false);
            yield return Iban(random, i, valid: false);
            yield return Pan(random, valid: false);
        }
        for (var i = 0; i < 8; i++)
        {
            yield return $"2026-{random.Next(1, 13):00}-{random.Next(1, 29):00}";
            yield return $"{random.Next(1, 29):00}/{random.Next(1, 13):00}/2025";
            yield return $"{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}";
            yield return $"${random.Next(1, 99)},{random.Next(100, 999)}.{random.Next(10, 99)}";
            yield return $"v{random.Next(10)}.{random.Next(20)}.{random.Next(100)}";
            yield return $"ORD-{Digits(random, 8)}";
            yield return $"{random.Next(100)}.{random.Next(10)}%";
            yield return $"{random.Next(256, 999)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}";
            yield return $"{random.Next(1, 9)}.{random.Next(9)}.{random.Next(9)}.{random.Next(9)}.{random.Next(9)}";
            yield return $"{(random.Next(2) == 0 ? "000" : "666")}-{random.Next(10, 99)}-{random.Next(1000, 9999)}";
            yield return $"9{random.Next(10, 99)}-{random.Next(10, 99)}-{random.Next(1000, 9999)}";
            yield return $"invoice {Digits(random, 6)}";
            yield return $"build 10.0.{random.Next(100, 999)}";
        }
    }
}
