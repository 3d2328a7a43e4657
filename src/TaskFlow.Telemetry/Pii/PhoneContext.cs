using System.Collections.Frozen;

namespace TaskFlow.Telemetry.Pii;

/// <summary>
/// What the words around a number call it. Ten digits are a phone in "call me on 9876543210" and an order in
/// "order 9876543210"; the few words before the number (and the one after) tell which. Bounded windows, so the cost per
/// candidate does not grow with the text.
/// </summary>
public static class PhoneContext
{
    public enum Kind
    {
        /// <summary>Nothing either way.</summary>
        Unsaid,

        /// <summary>The text calls it a phone number ("mobile:", "call", "电话", "phone=").</summary>
        Phone,

        /// <summary>The text calls it something else: an order, an invoice, an ISBN, an amount, a count.</summary>
        NotPhone,
    }

    private const int WindowBefore = 40;
    private const int WordsBefore = 4;

    private static readonly FrozenSet<string> PhoneWords = FrozenSet.ToFrozenSet(
    [
        "phone", "telephone", "tel", "mobile", "mob", "cell", "cellphone", "whatsapp", "viber", "signal", "sms", "text",
        "call", "dial", "ring", "contact", "fax", "reach", "ph", "telefone", "celular", "contato", "telefon", "handy",
        "mobil", "rufnummer", "teléfono", "telefono", "móvil", "movil", "téléphone", "portable", "tél", "msisdn",
    ], StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> OtherWords = FrozenSet.ToFrozenSet(
    [
        "order", "orders", "invoice", "inv", "ref", "reference", "id", "ticket", "case", "tracking", "account", "acct",
        "isbn", "issn", "txn", "transaction", "po", "sku", "serial", "build", "version", "batch", "lot", "awb", "pnr",
        "booking", "confirmation", "receipt", "customer", "member", "policy", "claim", "item", "product", "part", "zip",
        "otp", "code", "pin", "amount", "total", "balance", "price", "cost", "sum", "paid", "pay", "usd", "eur", "inr", "rs",
        "gbp", "cny", "rmb", "brl", "timestamp", "epoch", "ts", "count", "size", "shipment", "parcel", "container",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>A word right after the number that makes it a quantity: "9876543210 rows".</summary>
    private static readonly FrozenSet<string> Units = FrozenSet.ToFrozenSet(
    [
        "rows", "records", "bytes", "kb", "mb", "gb", "items", "users", "views", "downloads", "requests", "tokens", "times",
        "ms", "seconds", "secs", "km", "units", "pieces", "pcs", "people", "visits", "hits", "clicks", "points", "votes",
        "likes", "copies", "words", "lines", "files", "messages", "events", "steps", "dollars", "rupees", "euros", "yuan",
        "reais", "usd", "eur", "inr", "gbp", "cny", "rmb", "brl",
    ], StringComparer.OrdinalIgnoreCase);

    private static readonly string[] CjkPhoneWords = ["电话", "手机", "联系", "致电", "電話", "手機", "聯繫"];
    private static readonly string[] CjkOtherWords = ["订单", "訂單", "编号", "編號", "单号", "金额", "价格", "账号", "帳號"];

    public static Kind Around(string text, int index, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        // A number, an amount or a negative value: "#9876543210", "₹9876543210", "-9876543210".
        if (index > 0 && text[index - 1] is '#' or '$' or '€' or '£' or '₹' or '¥' or '№' or '-' or '−')
        {
            return Kind.NotPhone;
        }

        if (Units.Contains(WordAfter(text, index + length)))
        {
            return Kind.NotPhone;
        }

        var start = Math.Max(0, index - WindowBefore);
        var window = text.AsSpan(start, index - start);
        var newline = window.LastIndexOfAny('\n', '\r');
        if (newline >= 0)
        {
            window = window[(newline + 1)..];
        }

        var sawNumberWord = false;
        var words = 0;
        var end = window.Length;
        while (end > 0 && words < WordsBefore)
        {
            while (end > 0 && !char.IsLetter(window[end - 1]))
            {
                end--;
            }

            var wordStart = end;
            while (wordStart > 0 && char.IsLetter(window[wordStart - 1]))
            {
                wordStart--;
            }

            if (wordStart == end)
            {
                break;
            }

            var word = window[wordStart..end];
            var said = Said(word);
            if (said != Kind.Unsaid)
            {
                return said;
            }

            sawNumberWord |= word.Equals("number", StringComparison.OrdinalIgnoreCase) || word is "no" or "No" or "nr" or "Nr" or "号码" or "號碼";
            words++;
            end = wordStart;
        }

        // "my number is …": a number people give as theirs, with nothing calling it an order or an id.
        return sawNumberWord ? Kind.Phone : Kind.Unsaid;
    }

    private static Kind Said(ReadOnlySpan<char> word)
    {
        var lookup = PhoneWords.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.Contains(word))
        {
            return Kind.Phone;
        }

        if (OtherWords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word))
        {
            return Kind.NotPhone;
        }

        // Chinese runs have no spaces: the last keyword in the run is the nearest one.
        var (phoneAt, otherAt) = (LastIndexOfAny(word, CjkPhoneWords), LastIndexOfAny(word, CjkOtherWords));
        return phoneAt < 0 && otherAt < 0 ? Kind.Unsaid : phoneAt > otherAt ? Kind.Phone : Kind.NotPhone;
    }

    private static int LastIndexOfAny(ReadOnlySpan<char> word, string[] keywords)
    {
        var last = -1;
        foreach (var keyword in keywords)
        {
            last = Math.Max(last, word.LastIndexOf(keyword, StringComparison.Ordinal));
        }

        return last;
    }

    private static string WordAfter(string text, int end)
    {
        var start = end;
        while (start < text.Length && start - end < 3 && text[start] == ' ')
        {
            start++;
        }

        var stop = start;
        while (stop < text.Length && stop - start < 12 && char.IsLetter(text[stop]))
        {
            stop++;
        }

        return text[start..stop];
    }
}
