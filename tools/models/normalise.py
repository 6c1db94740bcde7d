"""The ONE text normalisation of the sentiment model (training text and engine input alike).

The engine (Rust) must reproduce `normalise` byte for byte; the spec is in tools/models/README.md
("Normalisation spec") and the test vectors in sentiment/goldens.json ("normalise_cases"). The
function is written as a plain character scanner (no regular expressions) so that the Rust port is a
line-by-line translation.

Stocknet tweets arrive pre-tokenised (`["rt", "AT_USER", "$", "aapl", "URL"]`): join the tokens with
one space (`join_stocknet`), then call `normalise` like for any raw text.

Run `python normalise.py` to check the test vectors (and idempotence on them).
"""

# Step 1: these code points are replaced by ASCII before anything else.
CHAR_MAP = {
    "\u2018": "'",  # LEFT SINGLE QUOTATION MARK
    "\u2019": "'",  # RIGHT SINGLE QUOTATION MARK
    "\u201c": '"',  # LEFT DOUBLE QUOTATION MARK
    "\u201d": '"',  # RIGHT DOUBLE QUOTATION MARK
    "\u2013": "-",  # EN DASH
    "\u2014": "-",  # EM DASH
    "\u2026": "...",  # HORIZONTAL ELLIPSIS
}

# Step 3: a token starting with one of these (at a token start) makes the token "url" and ends the chunk.
URL_PREFIXES = ("http://", "https://", "www.")


def map_char(c):
    """Step 1 for one code point: the CHAR_MAP, ASCII upper case to lower case, ASCII control
    characters (0x00-0x1F, 0x7F) to a space, every other non-ASCII code point to a space."""
    if c in CHAR_MAP:
        return CHAR_MAP[c]
    o = ord(c)
    if 0x41 <= o <= 0x5A:  # 'A'..'Z'
        return chr(o + 0x20)
    if o < 0x20 or o == 0x7F or o > 0x7F:
        return " "
    return c


def is_word(c):
    """A word character: ASCII a-z, 0-9 or '_' (upper case is gone after step 1)."""
    return ("a" <= c <= "z") or ("0" <= c <= "9") or c == "_"


def tokens_of_chunk(chunk, out):
    """Step 3: split one space-free chunk into tokens, appended to `out`."""
    i = 0
    n = len(chunk)
    while i < n:
        if chunk.startswith(URL_PREFIXES, i):
            out.append("url")
            return
        c = chunk[i]
        if c == "@" and i + 1 < n and is_word(chunk[i + 1]):
            out.append("at_user")
            i += 1
            while i < n and is_word(chunk[i]):
                i += 1
            continue
        if is_word(c):
            j = i
            while j < n and is_word(chunk[j]):
                j += 1
            out.append(chunk[i:j])
            i = j
            continue
        out.append(c)  # any other printable ASCII character is a token of its own
        i += 1


def normalise(text):
    """Raw text (any Unicode string) -> normalised text: ASCII only, lower case, tokens separated by
    exactly one space, no leading or trailing space (empty input -> empty string)."""
    mapped = "".join(map_char(c) for c in text)  # step 1
    out = []
    for chunk in mapped.split(" "):  # step 2: only spaces remain as white space after step 1
        if chunk:
            tokens_of_chunk(chunk, out)
    return " ".join(out)  # step 4


def join_stocknet(tokens):
    """A stocknet tweet (list of tokens) -> the raw text handed to `normalise`."""
    return " ".join(tokens)


# (input, expected output) pairs; also written to goldens.json for the Rust tests.
CASES = [
    ("$AAPL beats estimates, shares jump!", "$ aapl beats estimates , shares jump !"),
    ("RT @jim_cramer: Apple's iPhone sales…  https://t.co/AbC123",
     "rt at_user : apple ' s iphone sales . . . url"),
    ("rt AT_USER apple ' s iphone URL $ aapl", "rt at_user apple ' s iphone url $ aapl"),
    ("$HXL - Citing aero ties, Wells slashes PT on Hexcel https://t.co/wU5P2i8WBU",
     "$ hxl - citing aero ties , wells slashes pt on hexcel url"),
    ("Stock “plunges” 5.5% — guidance cut’s effect", 'stock " plunges " 5 . 5 % - guidance cut \' s effect'),
    ("see www.example.com/x and(https://a.b) now", "see url and ( url now"),
    ("awww. nice\tday\nhere\r\x00end", "awww . nice day here end"),
    ("emoji \U0001F4B0 and arabic \u0627\u0644\u0646\u0641\u0637 and caf\u00e9", "emoji and arabic and caf"),
    ("mail me@x.com or @ 112 or @_a", "mail me at_user . com or @ 112 or at_user"),
    ("   ", ""),
    ("", ""),
    ("c.gillis ' $ 103 $ aapl tgt ? , 2/3 100,000 :)",
     "c . gillis ' $ 103 $ aapl tgt ? , 2 / 3 100 , 000 : )"),
    ("UPPER lower MiXeD_Case 123abc", "upper lower mixed_case 123abc"),
    ("http\u2026 truncated", "http . . . truncated"),
]


def main():
    bad = 0
    for raw, want in CASES:
        got = normalise(raw)
        again = normalise(got)
        if got != want or again != got:
            bad += 1
            print(f"MISMATCH {raw!r}\n  got   {got!r}\n  want  {want!r}\n  again {again!r}")
    print(f"{len(CASES) - bad}/{len(CASES)} normalise cases OK")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
