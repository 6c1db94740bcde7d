"""Reading the Binance spot captures (hftbacktest's collector format) the same way for every peer.

A capture line is `<local_recv_ns> <frame>` (see feeds/src/source.rs and feeds/testdata/PROVENANCE.md):
`<frame>` is a combined-stream frame `{"stream": ..., "data": {...}}` (depthUpdate, bookTicker, trade)
or, once per day, the REST depth snapshot `{"lastUpdateId": .., "bids": .., "asks": ..}`.

A *frame* (the unit of every figure in latency-reports/peers.md) is one line that carries market data:
a depth update, a bookTicker, a trade, an aggTrade or a REST snapshot. Anything else (subscription
replies, errors) is counted as `other` and is not a frame. AlphaPulse counts the same lines
(`frames_by_kind` of `alphapulse backtest --json`, without `other`/`kline`).
"""

import gzip
import json

KINDS = ("depth", "book_ticker", "trade", "agg_trade", "snapshot")


MAX_BUFFERED = 1000


def frames(paths, counts):
    """Yield (kind, local_ns, payload) for the market-data lines of `paths`, in order, with Binance's
    diff-depth procedure applied before the first snapshot (as AlphaPulse's feed does): depth updates
    read before the first REST snapshot are held back and yielded right after it (with the snapshot's
    receive time, so that engines which sort by time keep that order), except those with
    `u <= lastUpdateId` (counted in `counts["stale_dropped"]`, not yielded). Without that, a peer
    would apply them to an empty book that the snapshot then clears, and its book would keep levels
    that those updates had deleted (on the sample: a crossed book from frame 9,368 on). Every line is
    counted in `counts` by kind, yielded or not.
    """
    counts.setdefault("stale_dropped", 0)
    held = []
    synced = False
    for kind, local_ns, d in _lines(paths, counts):
        if synced:
            yield kind, local_ns, d
        elif kind == "depth":
            held.append((kind, local_ns, d))
            if len(held) > MAX_BUFFERED:  # no snapshot in sight: replay in file order
                yield from held
                held.clear()
        elif kind == "snapshot":
            synced = True
            yield kind, local_ns, d
            for h in held:
                if int(h[2]["u"]) <= int(d["lastUpdateId"]):
                    counts["stale_dropped"] += 1
                else:
                    yield h[0], local_ns, h[2]  # applied at the snapshot's receive time
            held.clear()
        else:
            yield kind, local_ns, d
    yield from held


def _lines(paths, counts):
    """Yield (kind, local_ns, payload) for every market-data line of `paths`, in file order.

    `counts` (a dict) receives the number of lines per kind, plus `other`.
    Raises ValueError naming the file and line for a line that is not `<ns> <json>`.
    """
    for k in KINDS + ("other",):
        counts.setdefault(k, 0)
    for path in paths:
        with gzip.open(path, "rb") as f:
            for lineno, line in enumerate(f, 1):
                sp = line.find(b" ")
                if sp <= 0:
                    if line.strip():
                        raise ValueError(f"{path}:{lineno}: not `<ns> <json>`")
                    continue
                try:
                    local_ns = int(line[:sp])
                    msg = json.loads(line[sp + 1:])
                except ValueError as e:
                    raise ValueError(f"{path}:{lineno}: {e}") from None
                data = msg.get("data")
                if data is None:
                    if "lastUpdateId" in msg:
                        counts["snapshot"] += 1
                        yield "snapshot", local_ns, msg
                    else:
                        counts["other"] += 1
                    continue
                stream = msg.get("stream", "")
                e = data.get("e")
                if e == "depthUpdate":
                    kind = "depth"
                elif e == "trade":
                    kind = "trade"
                elif e == "aggTrade":
                    kind = "agg_trade"
                elif stream.endswith("@bookTicker") or (e is None and "u" in data and "b" in data):
                    kind = "book_ticker"
                else:
                    counts["other"] += 1
                    continue
                counts[kind] += 1
                yield kind, local_ns, data


def total(counts):
    return sum(counts[k] for k in KINDS)
