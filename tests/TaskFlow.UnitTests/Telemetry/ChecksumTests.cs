using TaskFlow.Telemetry.Pii;

namespace TaskFlow.UnitTests.Telemetry;

/// <summary>The check algorithms against published vectors, so the redactor's confirmations rest on known-good code.</summary>
public sealed class ChecksumTests
{
    [Theory]
    [InlineData("79927398713", true)] // the textbook Luhn example
    [InlineData("4111111111111111", true)]
    [InlineData("5500000000000004", true)]
    [InlineData("378282246310005", true)]
    [InlineData("6011111111111117", true)]
    [InlineData("30569309025904", true)]
    [InlineData("0", false)]
    [InlineData("00", true)]
    [InlineData("79927398710", false)]
    [InlineData("4111111111111112", false)]
    [InlineData("1234567812345678", false)]
    [InlineData("4111a11111111111", false)]
    public void Luhn_matches_known_vectors(string digits, bool valid) =>
        Assert.Equal(valid, Luhn.IsValid(digits));

    [Theory]
    [InlineData("236", '3')] // Verhoeff's own example
    [InlineData("12345", '1')]
    [InlineData("142857", '0')]
    [InlineData("23456789012", '4')]
    [InlineData("98765432101", '2')]
    public void Verhoeff_computes_known_check_digits(string digits, char check)
    {
        Assert.Equal(check, Verhoeff.ComputeCheckDigit(digits));
        Assert.True(Verhoeff.IsValid(digits + check));
    }

    [Theory]
    [InlineData("2364")]
    [InlineData("2633")] // adjacent digits swapped: Verhoeff catches every such swap
    [InlineData("123450")]
    [InlineData("1428571")]
    [InlineData("234567890125")]
    public void Verhoeff_rejects_wrong_check_digits(string digits) =>
        Assert.False(Verhoeff.IsValid(digits));

    [Fact]
    public void Verhoeff_catches_every_single_digit_error_of_an_aadhaar_number()
    {
        const string valid = "234567890124";
        for (var position = 0; position < valid.Length; position++)
        {
            for (var digit = '0'; digit <= '9'; digit++)
            {
                if (digit == valid[position])
                {
                    continue;
                }

                var changed = string.Concat(valid.AsSpan(0, position), digit.ToString(), valid.AsSpan(position + 1));
                Assert.False(Verhoeff.IsValid(changed), changed);
            }
        }
    }

    [Fact]
    public void Verhoeff_refuses_non_digits() =>
        Assert.Throws<ArgumentException>(() => Verhoeff.ComputeCheckDigit("12a"));

    [Theory]
    [InlineData("GB82WEST12345698765432")]
    [InlineData("DE89370400440532013000")]
    [InlineData("FR1420041010050500013M02606")]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("BE68539007547034")]
    [InlineData("CH9300762011623852957")]
    [InlineData("ES9121000418450200051332")]
    [InlineData("IT60X0542811101000000123456")]
    [InlineData("NO9386011117947")]
    [InlineData("AT611904300234573201")]
    [InlineData("SA0380000000608010167519")]
    [InlineData("PL61109010140000071219812874")]
    [InlineData("gb82west12345698765432")]
    public void Iban_accepts_registry_examples(string iban)
    {
        Assert.Equal(1, Iban.Mod97(iban));
        Assert.True(Iban.IsValid(iban));
    }

    [Theory]
    [InlineData("DE88370400440532013000")] // check digits off by one
    [InlineData("GB82WEST12345698765433")] // last digit changed
    [InlineData("DE8937040044053201300")] // one character short for Germany
    [InlineData("XX82WEST12345698765432")] // no such country
    [InlineData("IN12345678901234")] // India issues no IBANs
    [InlineData("GB82-WEST12345698765432")]
    public void Iban_rejects_wrong_check_digits_lengths_and_countries(string iban) =>
        Assert.False(Iban.IsValid(iban));

    [Theory]
    [InlineData("DE89 3704 0044 0532 0130 00", 27)]
    [InlineData("BE68 5390 0754 7034 Bank", 19)]
    [InlineData("BE68 5390 0754 7034 5", 19)] // a stray digit after the last group is not part of it
    [InlineData("BE685390075470345", 0)] // the registered length ends inside the run
    [InlineData("DE88 3704 0044 0532 0130 00", 0)]
    public void Iban_finds_the_valid_prefix_of_a_printed_candidate(string candidate, int length) =>
        Assert.Equal(length, Iban.ValidPrefixLength(candidate));

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4222222222222", true)] // 13-digit Visa
    [InlineData("378282246310005", true)]
    [InlineData("2223003122003222", true)]
    [InlineData("6304000000000000018", true)] // 19 digits
    [InlineData("1732262400002", false)] // Luhn-valid epoch milliseconds
    [InlineData("9000123456789016", false)] // Luhn-valid, no network starts with 90
    [InlineData("0000123456789015", false)] // Luhn-valid, zero-padded
    [InlineData("5555555555554", false)] // Mastercard numbers have 16 digits
    [InlineData("411111111111", false)] // too short
    [InlineData("41111111111111111111", false)] // too long
    public void Payment_cards_need_luhn_and_an_issuer_prefix(string digits, bool valid) =>
        Assert.Equal(valid, PaymentCard.IsValid(digits));

    [Theory]
    [InlineData("234567890124", true)]
    [InlineData("987654321012", true)]
    [InlineData("234567890125", false)]
    [InlineData("123456789010", false)] // Verhoeff-valid but Aadhaar never starts with 1
    [InlineData("012345678906", false)]
    [InlineData("23456789012", false)]
    public void Aadhaar_needs_twelve_digits_a_leading_two_to_nine_and_verhoeff(string digits, bool valid) =>
        Assert.Equal(valid, AadhaarNumber.IsValid(digits));

    [Theory]
    [InlineData("ABCPE1234F", true)]
    [InlineData("AAACB1234C", true)]
    [InlineData("aaahd1234k", true)]
    [InlineData("ABCDE1234F", false)] // D is no holder type
    [InlineData("AbCPe1234F", false)]
    [InlineData("ABCP1234F", false)]
    public void Pan_checks_length_case_and_holder_type(string pan, bool valid) =>
        Assert.Equal(valid, PanNumber.IsValid(pan));

    [Theory]
    [InlineData("536", "22", "1234", true)]
    [InlineData("078", "05", "1120", true)]
    [InlineData("899", "99", "9999", true)]
    [InlineData("000", "12", "3456", false)]
    [InlineData("666", "12", "3456", false)]
    [InlineData("900", "12", "3456", false)]
    [InlineData("999", "12", "3456", false)]
    [InlineData("123", "00", "4567", false)]
    [InlineData("123", "45", "0000", false)]
    public void Ssn_excludes_the_never_issued_ranges(string area, string group, string serial, bool valid) =>
        Assert.Equal(valid, SocialSecurityNumber.IsValid(area, group, serial));
}
