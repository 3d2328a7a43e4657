using System.Globalization;
using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

/// <summary>
/// The classes a larger labelled set found missing, each with realistic negatives of the same shape: phone numbers
/// without separators and in national formats (Brazil, Germany, China, India, the UK, the US with context), cards in
/// CSV rows, SSNs without dashes in key=value pairs, emails with apostrophes; and order numbers, timestamps, four-part
/// versions, amounts, ISBNs and plain counts that must stay readable. Number ranges are ones the countries' plans assign
/// (Indian mobiles 9x, Chinese 13x/18x, UK 074-079, Brazilian 9-prefixed mobiles, Berlin 030, Munich 089, Beijing 010).
/// </summary>
public static partial class PiiCorpus
{
    private const int PerHardeningClass = 24;

    private static readonly string[] PhoneContexts =
    [
        "{0}", "call me on {0}", "my number is {0}", "Mobile: {0}", "WhatsApp {0} after 6pm", "phone={0}",
        "reach me at {0}, thanks", "手机：{0}", "Kontakt: {0}", "\"phone\": \"{0}\"", "Please use {0} for this.", "{0} is what I have on file",
    ];

    private static readonly int[] BrazilAreaCodes = [11, 21, 31];
    private static readonly string[] SsnContexts = ["ssn={0}", "user=sam&SSN={0}&plan=basic", "{{\"ssn\": \"{0}\"}}", "SSN: {0}", "social_security_number={0}"];
    private static readonly string[] Apostrophes = ["liam_o'brien", "d'angelo.m", "dee.o’neill", "o'hara"];

    private static IEnumerable<PiiCase> HardeningCases(Random random)
    {
        var n = 0;
        PiiCase Case(PiiKind? kind, string context, string value) =>
            new(string.Format(CultureInfo.InvariantCulture, context, value), value, kind);
        string Phone(string[] contexts) => contexts[n++ % contexts.Length];

        for (var i = 0; i < PerHardeningClass; i++)
        {
            // Phones without separators; the US one only where the text says it is a phone.
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), $"9{random.Next(10)}{Digits(random, 8)}");
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), $"{(random.Next(2) == 0 ? "13" : "18")}{random.Next(10)}{Digits(random, 8)}");
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), $"07{random.Next(4, 10)}{Digits(random, 8)}");
            yield return Case(PiiKind.Phone, PhoneContexts[1 + (i % 5)], $"{(i % 2 == 0 ? "415" : "212")}{random.Next(2, 10)}{Digits(random, 6)}");
            // National formats with brackets, slashes and mixed separators.
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), $"({BrazilAreaCodes[i % BrazilAreaCodes.Length]}) 9{Digits(random, 4)}-{Digits(random, 4)}");
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), i % 2 == 0 ? $"030/{random.Next(2, 10)}{Digits(random, 7)}" : $"089 / {random.Next(2, 10)}{Digits(random, 6)}");
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), i % 2 == 0 ? $"010-{random.Next(5, 9)}{Digits(random, 3)} {Digits(random, 4)}" : $"0755-{random.Next(2, 9)}{Digits(random, 3)} {Digits(random, 4)}");
            yield return Case(PiiKind.Phone, Phone(PhoneContexts), $"13{random.Next(10)} {Digits(random, 4)} {Digits(random, 4)}");

            // Cards in CSV rows, right after a comma.
            var card = Card(random, i % 4 == 2 ? 0 : i % 4).Replace(" ", "", StringComparison.Ordinal);
            yield return Case(PiiKind.Card, i % 2 == 0 ? "name,card,expiry\nLiam O'Brien,{0},12/27" : $"{random.Next(1, 999)},{{0}},{random.Next(1, 999)}.00", card);

            // SSNs without dashes where a key names them.
            var ssn = Ssn(random, 0).Replace("-", "", StringComparison.Ordinal);
            yield return Case(PiiKind.Ssn, SsnContexts[i % SsnContexts.Length], ssn);

            // Emails with an apostrophe in the local part.
            yield return Case(PiiKind.Email, "mail {0} please", $"{Apostrophes[i % Apostrophes.Length]}{random.Next(100)}@example.{(i % 2 == 0 ? "com" : "ie")}");
        }

        foreach (var negative in HardeningNegatives(random))
        {
            yield return new PiiCase(negative, negative, null);
        }
    }

    private static IEnumerable<string> HardeningNegatives(Random random)
    {
        for (var i = 0; i < PerHardeningClass; i++)
        {
            var mobileShaped = $"9{random.Next(10)}{Digits(random, 8)}";
            // Order numbers, including ones shaped like a mobile number.
            yield return $"order {mobileShaped}";
            yield return $"Order #{random.Next(6, 10)}{Digits(random, 9)} has shipped";
            yield return $"tracking number {random.Next(6, 10)}{Digits(random, 9)}";
            yield return $"订单号 13{Digits(random, 9)}";
            yield return $"invoice 07{random.Next(4, 10)}{Digits(random, 8)}";
            // Timestamps.
            yield return $"epoch {1_700_000_000 + random.Next(100_000_000)}";
            yield return $"ts={1_700_000_000_000L + random.Next():D}";
            yield return $"2026-{random.Next(1, 13):00}-{random.Next(1, 29):00}T{random.Next(24):00}:{random.Next(60):00}:00Z";
            // Four-part versions.
            yield return $"{random.Next(1, 10)}.{random.Next(10)}.{random.Next(10)}.0";
            yield return $"Chrome/{random.Next(100, 131)}.0.0.0 Safari/537.36";
            yield return $"upgrade to {random.Next(1, 20)}.{random.Next(20)}.{random.Next(20)}.0 today";
            yield return $"version {random.Next(1, 9)}.{random.Next(9)}.{random.Next(9)}.{random.Next(1, 9)}";
            // Amounts.
            yield return $"₹{mobileShaped}";
            yield return $"total: {random.Next(6, 10)}{Digits(random, 9)}";
            yield return $"{random.Next(6, 10)}{Digits(random, 9)} USD";
            yield return $"${random.Next(1, 999)},{random.Next(100, 999)},{random.Next(100, 999)}.{random.Next(10, 99)}";
            // ISBNs.
            yield return $"ISBN {Isbn10(random)}";
            yield return Isbn13(random, hyphens: i % 2 == 0);
            // Plain counts and other nine- and ten-digit values.
            yield return $"processed {random.Next(6, 10)}{Digits(random, 9)} rows";
            yield return $"{random.Next(6, 10)}{Digits(random, 9)} bytes";
            yield return $"id={Ssn(random, 0).Replace("-", "", StringComparison.Ordinal)}";
            yield return $"count={random.Next(100_000_000, 999_999_999)}";
            // A CSV row whose long number fails the card check.
            yield return $"Liam,{Card(random, 0, valid: false).Replace(" ", "", StringComparison.Ordinal)},12/27";
        }
    }

    private static string Isbn10(Random random)
    {
        var payload = Digits(random, 9);
        var sum = payload.Select((c, i) => (10 - i) * (c - '0')).Sum();
        var check = (11 - (sum % 11)) % 11;
        return payload + (check == 10 ? "X" : check.ToString(CultureInfo.InvariantCulture));
    }

    private static string Isbn13(Random random, bool hyphens)
    {
        var payload = "978" + Digits(random, 9);
        var sum = payload.Select((c, i) => (i % 2 == 0 ? 1 : 3) * (c - '0')).Sum();
        var isbn = payload + ((10 - (sum % 10)) % 10).ToString(CultureInfo.InvariantCulture);
        return hyphens ? $"{isbn[..3]}-{isbn[3]}-{isbn[4..7]}-{isbn[7..12]}-{isbn[12]}" : isbn;
    }
}
