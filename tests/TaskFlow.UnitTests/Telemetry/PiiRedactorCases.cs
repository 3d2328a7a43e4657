namespace TaskFlow.UnitTests.Telemetry;

/// <summary>
/// The redactor's specification as a table: what each kind of personal data looks like in real text, and the
/// ordinary numbers (dates, amounts, versions, ids, near-miss checksums) that must come out untouched.
/// </summary>
public static class PiiRedactorCases
{
    /// <summary>Input, expected output.</summary>
    public static TheoryData<string, string> Redacted { get; } = new()
    {
        // Payment cards: Luhn-valid, real issuer prefixes, printed compact or in groups.
        { "Card 4111 1111 1111 1111 exp 12/27", "Card [CARD] exp 12/27" },
        { "4111-1111-1111-1111", "[CARD]" },
        { "visa 4111111111111111.", "visa [CARD]." },
        { "Amex 3782 822463 10005 please", "Amex [CARD] please" },
        { "mc:5555555555554444", "mc:[CARD]" },
        { "Diners 3056 930902 5904", "Diners [CARD]" },
        { "old visa 4222222222222", "old visa [CARD]" },
        { "Discover 6011-0009-9013-9424", "Discover [CARD]" },
        { "UnionPay 6200 0000 0000 0005", "UnionPay [CARD]" },
        { "Maestro 6304 0000 0000 0000 018", "Maestro [CARD]" },
        { "2-series 2223 0031 2200 3222", "2-series [CARD]" },
        { "JCB (3530111333300000)", "JCB ([CARD])" },
        { "RuPay 8171 9999 2766 0000", "RuPay [CARD]" },
        { "name,card,expiry\nLiam,4111111111111111,12/27", "name,card,expiry\nLiam,[CARD],12/27" },
        { "42,5555555555554444,100.00", "42,[CARD],100.00" },
        { "id;card\n7;4111 1111 1111 1111;ok", "id;card\n7;[CARD];ok" },

        // Aadhaar: 12 digits, first 2-9, Verhoeff-valid.
        { "Aadhaar 2345 6789 0124", "Aadhaar [AADHAAR]" },
        { "aadhaar no 987654321012", "aadhaar no [AADHAAR]" },
        { "UID: 4991-8234-5674", "UID: [AADHAAR]" },
        { "My Aadhaar is 7341 5926 5355, please verify", "My Aadhaar is [AADHAAR], please verify" },

        // PAN: AAAAA9999A with a real holder type in fourth place.
        { "PAN ABCPE1234F", "PAN [PAN]" },
        { "pan: aaacb1234c", "pan: [PAN]" },
        { "HUF PAN AAAHA1234K.", "HUF PAN [PAN]." },
        { "(BNZPM2501F)", "([PAN])" },
        { "GSTIN 27ABCPE1234F1Z5", "GSTIN [PAN]" },

        // IBAN: known country, registered length, mod-97 == 1; printed or compact, either case.
        { "IBAN: GB82 WEST 1234 5698 7654 32", "IBAN: [IBAN]" },
        { "DE89370400440532013000", "[IBAN]" },
        { "pay to FR14 2004 1010 0505 0001 3M02 606 today", "pay to [IBAN] today" },
        { "NL91ABNA0417164300", "[IBAN]" },
        { "BE68 5390 0754 7034 Bank", "[IBAN] Bank" },
        { "Norway NO93 8601 1117 947", "Norway [IBAN]" },
        { "lowercase ch9300762011623852957", "lowercase [IBAN]" },
        { "SA03 8000 0000 6080 1016 7519", "[IBAN]" },

        // Email addresses.
        { "mail john.doe@example.com now", "mail [EMAIL] now" },
        { "<jane+tag@sub.example.co.uk>", "<[EMAIL]>" },
        { "ADMIN@EXAMPLE.ORG.", "[EMAIL]." },
        { "user_name-1@my-company.io, thanks", "[EMAIL], thanks" },
        { "josé@correo.es", "[EMAIL]" },
        { "liam_o'brien@example.com", "[EMAIL]" },
        { "write to 'dee.o’neill@example.ie'", "write to '[EMAIL]'" },

        // Phones: international and the common national formats, always with separators.
        { "+1 415 555 0100", "[PHONE]" },
        { "London +44 20 7946 0958", "London [PHONE]" },
        { "+91 98765 43210", "[PHONE]" },
        { "+91-98765-43210", "[PHONE]" },
        { "+919876543210", "[PHONE]" },
        { "Berlin +49 (0)30 1234567", "Berlin [PHONE]" },
        { "Paris +33 1 23 45 67 89", "Paris [PHONE]" },
        { "+1 (415) 555-0100", "[PHONE]" },
        { "Call me at +81 3-1234-5678 tomorrow", "Call me at [PHONE] tomorrow" },
        { "(415) 555-0100", "[PHONE]" },
        { "phone: 415-555-0100", "phone: [PHONE]" },
        { "415.555.0100", "[PHONE]" },
        { "1-800-555-0199", "[PHONE]" },
        { "020 7946 0958", "[PHONE]" },
        { "mobile 07700 900123", "mobile [PHONE]" },
        { "01 23 45 67 89", "[PHONE]" },
        { "(020) 7946 0958", "[PHONE]" },
        { "98765 43210", "[PHONE]" },
        { "098765-43210", "[PHONE]" },
        { "call 020 7946 0958 12 times", "call [PHONE] 12 times" },
        { "0044 20 7946 0958", "[PHONE]" },
        { "+1-415-555-0100 ext. 12", "[PHONE] ext. 12" },

        // Phones without separators: a mobile number of India, China, the UK counts unless the text calls it something
        // else; any other number only when the text calls it a phone.
        { "call me on 9876543210", "call me on [PHONE]" },
        { "9876543210", "[PHONE]" },
        { "13800138000 is my number", "[PHONE] is my number" },
        { "手机：13800138000", "手机：[PHONE]" },
        { "UK mobile 07911123456.", "UK mobile [PHONE]." },
        { "07911123456", "[PHONE]" },
        { "phone=4155550100", "phone=[PHONE]" },
        { "my number is 02079460958", "my number is [PHONE]" },
        { "{\"mobile\": \"9123456780\"}", "{\"mobile\": \"[PHONE]\"}" },

        // National formats with brackets, slashes and mixed separators, checked against each country's numbering plan.
        { "São Paulo (11) 91234-5678", "São Paulo [PHONE]" },
        { "Büro 030/12345678", "Büro [PHONE]" },
        { "Tel. 089 / 1234567", "Tel. [PHONE]" },
        { "北京 010-6552 9988", "北京 [PHONE]" },
        { "138 0013 8000", "[PHONE]" },
        { "call 010-6552 9988 12 times", "call [PHONE] 12 times" },
        { "Liam,O'Brien,07911123456,London", "Liam,O'Brien,[PHONE],London" },
        { "Liam,O'Brien,liam.obrien@example.com,+44 7911 123456,4111111111111111,536-22-1234,07911123456",
            "Liam,O'Brien,[EMAIL],[PHONE],[CARD],[SSN],[PHONE]" },

        // US Social Security numbers outside the never-issued ranges.
        { "SSN 536-22-1234", "SSN [SSN]" },
        { "ssn: 078-05-1120", "ssn: [SSN]" },
        { "SSN 536 22 1234", "SSN [SSN]" },
        { "ssn=536221234", "ssn=[SSN]" },
        { "user=liam&SSN=078051120&plan=basic", "user=liam&SSN=[SSN]&plan=basic" },
        { "{\"ssn\": \"536221234\"}", "{\"ssn\": \"[SSN]\"}" },
        { "social_security_number: 536221234", "social_security_number: [SSN]" },

        // IP addresses.
        { "from 192.168.1.10", "from [IP]" },
        { "10.0.0.1:8080", "[IP]:8080" },
        { "mask 255.255.255.255", "mask [IP]" },
        { "net 10.0.0.0/8", "net [IP]/8" },
        { "X-Forwarded-For: 203.0.113.7,198.51.100.2", "X-Forwarded-For: [IP],[IP]" },
        { "2001:db8::1", "[IP]" },
        { "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[IP]" },
        { "[fe80::1ff:fe23:4567:890a]:443", "[[IP]]:443" },
        { "mapped ::ffff:192.0.2.128", "mapped [IP]" },
        { "link-local fe80::1%eth0", "link-local [IP]%eth0" },
        { "dns 2606:4700:4700::1111", "dns [IP]" },
        { "http://172.16.254.1/health", "http://[IP]/health" },

        // Several kinds in one text.
        { "Email a@b.co or call +1 415 555 0100; card 4111111111111111", "Email [EMAIL] or call [PHONE]; card [CARD]" },
        { "SSN 536-22-1234, IP 8.8.8.8, PAN ABCPE1234F", "SSN [SSN], IP [IP], PAN [PAN]" },
        { "Order ORD-12345678 for jane@shop.in paid with 5500 0000 0000 0004 on 2026-11-22", "Order ORD-12345678 for [EMAIL] paid with [CARD] on 2026-11-22" },
    };

    /// <summary>Ordinary text that must come out exactly as it went in.</summary>
    public static TheoryData<string> Untouched { get; } = new()
    {
        // Dates and times.
        "Due 2026-11-22",
        "on 22/11/2026",
        "11.22.2026",
        "22.11.2026 10:30",
        "01.02.2026",
        "01-02-2026 12:00",
        "2026-11-22T10:30:00Z",
        "2026-11-22T10:30:00.123+05:30",
        "20261122",
        "at 10:30:45",
        "12:30:45.123",
        "Nov 22, 2026 at 9:05 PM",

        // Amounts and percentages.
        "$1,234.56",
        "₹1,23,456.78",
        "1.234.567,89 €",
        "USD 12,345,678.90",
        "population 1,428,627,663",
        "-42.5",
        "+12.5%",
        "45.5%",
        "99.99% uptime",
        "0.5 0.25 0.125",

        // Versions and builds.
        "1.2.3",
        "v1.2.3.4",
        "version 1.2.3.4",
        "10.0.19041.1",
        "1.2.3.4.5",
        "v2.10.0-beta.1",
        ".NET SDK 10.0.100",
        "2.4.1.0",
        "upgrade to 3.11.2.0 today",
        "Chrome/120.0.0.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "app-2.4.1.3",
        "assembly 1.02.3.4",

        // Order ids and other identifiers.
        "ORD-12345678",
        "ORD-4111111111111111",
        "INV-2026-000123",
        "order #12345",
        "uuid 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "ISBN 978-3-16-148410-0",
        "12345678901234567890",
        "order 9876543210",
        "Order #9876543210 shipped",
        "订单号码 13800138000",
        "ISBN 0306406152",
        "ISBN 978-0-306-40615-7",
        "9780306406157",
        "processed 9876543210 rows",
        "epoch 1732262400",
        "₹9876543210",
        "total: 9876543210",
        "id=536221234",
        "count=536221234",
        "invoice 07911123456",
        "a,b\n1,234,567",
        "4155550100",
        "-9876543210",
        "x = 1,234,567.89 and 12,345",

        // Near misses: the shape is right, the check is not.
        "4111111111111112",
        "1234 5678 1234 5678",
        "epoch ms 1732262400002",
        "ref 9000123456789016",
        "padded 0000123456789015",
        "234567890125",
        "2345 6789 0125",
        "123456789010",
        "DE88 3704 0044 0532 0130 00",
        "XX82 WEST 1234 5698 7654 32",
        "999-12-3456",
        "000-12-3456",
        "666-12-3456",
        "123-00-4567",
        "123-45-0000",
        "256.1.1.1",
        "192.168.1.300",
        "ABCDE1234F",
        "AbCPe1234F",
        "123-456-7890",
        "555-012-3456",

        // Other things with digits and punctuation.
        "std::vector<int> a::b",
        "slice a[1::2] and a[::2]",
        "loopback ::1",
        "zero-padded 0012345678",
        "MAC 00:1A:2B:3C:4D:5E",
        "scores 10 20 30 40 50 60 70 80",
        "+1 2 3",
        "pi 3.14159265358979",
        "Room 101, floor 3",
        "1 234 567 890",
        "ratio 16:9",
        "not an email: user@localhost",
        "@mention and #hashtag",
        "[CARD] [EMAIL] [PHONE] already redacted",
        "",
    };
}
