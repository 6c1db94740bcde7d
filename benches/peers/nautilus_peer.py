"""NautilusTrader 1.231.0 on the Binance spot captures.

    python nautilus_peer.py core FILE...    # time BacktestEngine.run() only
    python nautilus_peer.py whole FILE...   # time building the data objects from the .gz + add_data + run()

Prints one JSON object on stdout: frames, seconds, what was timed, the strategy's event counts.

Data (one Nautilus data object per frame, built in Python from the same lines as every engine, see
capture.py; Nautilus' Binance loaders read Binance's CSV archives or its live adapter, not these
captures): a depth update → one `OrderBookDeltas` (an UPDATE per level with quantity, a DELETE per
level with quantity 0, F_LAST on the last); the REST snapshot → one `OrderBookDeltas` (CLEAR, then an
ADD per level, F_SNAPSHOT); a bookTicker → `QuoteTick`; a trade → `TradeTick`. ts_init is the receive
time; ts_event the exchange time (`E` / `T`; the receive time for bookTicker, which has none).

Engine: a `BacktestEngine` (log level ERROR) with a BINANCE venue (cash account, netting,
`book_type=L2_MBP`: the simulated exchange keeps the L2 book from the deltas) and BTCUSDT from
Nautilus' test-kit provider (tick 0.01). The strategy subscribes to the deltas (the data engine keeps
a managed L2 book in the cache), quotes and trades; every handler reads the cached book's best
bid/ask and counts the event.
"""

import json
import sys
import time

import capture

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import BTC, USDT
from nautilus_trader.model.data import BookOrder, OrderBookDelta, OrderBookDeltas, QuoteTick, TradeTick
from nautilus_trader.model.enums import (
    AccountType,
    AggressorSide,
    BookAction,
    BookType,
    OmsType,
    OrderSide,
    RecordFlag,
)
from nautilus_trader.model.identifiers import TradeId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

MS = 1_000_000
INSTRUMENT = TestInstrumentProvider.btcusdt_binance()
IID = INSTRUMENT.id
PP = INSTRUMENT.price_precision
SP = INSTRUMENT.size_precision
F_LAST = int(RecordFlag.F_LAST)
F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)


def to_data(paths):
    """The captures → (list of Nautilus data objects, one per frame; frames by kind)."""
    counts = {}
    out = []
    append = out.append
    for kind, local_ns, d in capture.frames(paths, counts):
        if kind == "depth":
            ts = int(d["E"]) * MS
            deltas = []
            for side, levels in ((OrderSide.BUY, d["b"]), (OrderSide.SELL, d["a"])):
                for px, qty in levels:
                    q = float(qty)
                    action = BookAction.UPDATE if q > 0 else BookAction.DELETE
                    order = BookOrder(side, Price(float(px), PP), Quantity(q, SP), 0)
                    deltas.append(OrderBookDelta(IID, action, order, 0, int(d["u"]), ts, local_ns))
            if not deltas:  # counted as a frame; Nautilus refuses an empty batch (none in the BTCUSDT files)
                continue
            last = deltas[-1]
            deltas[-1] = OrderBookDelta(IID, last.action, last.order, F_LAST, last.sequence, ts, local_ns)
            append(OrderBookDeltas(IID, deltas))
        elif kind == "book_ticker":
            append(QuoteTick(IID, Price(float(d["b"]), PP), Price(float(d["a"]), PP),
                             Quantity(float(d["B"]), SP), Quantity(float(d["A"]), SP), local_ns, local_ns))
        elif kind in ("trade", "agg_trade"):
            side = AggressorSide.SELLER if d["m"] else AggressorSide.BUYER
            append(TradeTick(IID, Price(float(d["p"]), PP), Quantity(float(d["q"]), SP), side,
                             TradeId(str(d.get("t", d.get("a")))), int(d["T"]) * MS, local_ns))
        elif kind == "snapshot":
            seq = int(d["lastUpdateId"])
            deltas = [OrderBookDelta.clear(IID, seq, local_ns, local_ns)]
            for side, levels in ((OrderSide.BUY, d["bids"]), (OrderSide.SELL, d["asks"])):
                for px, qty in levels:
                    order = BookOrder(side, Price(float(px), PP), Quantity(float(qty), SP), 0)
                    deltas.append(OrderBookDelta(IID, BookAction.ADD, order, F_SNAPSHOT, seq, local_ns, local_ns))
            last = deltas[-1]
            deltas[-1] = OrderBookDelta(IID, last.action, last.order, F_SNAPSHOT | F_LAST, seq, local_ns, local_ns)
            append(OrderBookDeltas(IID, deltas))
    return out, counts


class HookConfig(StrategyConfig, frozen=True):
    pass


class Hook(Strategy):
    """The per-event hook: read the cached book's top at every deltas batch, quote and trade."""

    def __init__(self):
        super().__init__(HookConfig())
        self.events = {"deltas": 0, "quote": 0, "trade": 0}
        self.valid = 0
        self.book = None

    def on_start(self):
        self.subscribe_order_book_deltas(IID, book_type=BookType.L2_MBP)
        self.subscribe_quote_ticks(IID)
        self.subscribe_trade_ticks(IID)

    def _top(self):
        if self.book is None:
            self.book = self.cache.order_book(IID)
        bid = self.book.best_bid_price()
        ask = self.book.best_ask_price()
        if bid is not None and ask is not None and bid < ask:
            self.valid += 1

    def on_order_book_deltas(self, deltas):
        self.events["deltas"] += 1
        self._top()

    def on_quote_tick(self, tick):
        self.events["quote"] += 1
        self._top()

    def on_trade_tick(self, tick):
        self.events["trade"] += 1
        self._top()


def engine():
    eng = BacktestEngine(config=BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    eng.add_venue(
        venue=Venue("BINANCE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.CASH,
        base_currency=None,
        starting_balances=[Money(1_000_000, USDT), Money(10, BTC)],
        book_type=BookType.L2_MBP,
    )
    eng.add_instrument(INSTRUMENT)
    return eng


def main(argv):
    if len(argv) < 2 or argv[0] not in ("core", "whole"):
        sys.exit("usage: nautilus_peer.py core|whole FILE...")
    mode, paths = argv[0], argv[1:]
    eng = engine()
    hook = Hook()
    t0 = time.perf_counter()
    data, counts = to_data(paths)
    # one add_data per data type: given a mixed list whose first object is a quote, Nautilus looks
    # no further and refuses the L2_MBP venue for lack of book data; the engine merges them by ts_init
    for cls in (OrderBookDeltas, QuoteTick, TradeTick):
        part = [x for x in data if type(x) is cls]
        if part:
            eng.add_data(part)
    eng.add_strategy(hook)
    t1 = time.perf_counter()
    eng.run()
    t2 = time.perf_counter()
    book = eng.cache.order_book(IID)
    best = (round(float(book.best_bid_price()), PP), round(float(book.best_ask_price()), PP))
    eng.dispose()
    frames = capture.total(counts)
    secs = (t2 - t1) if mode == "core" else (t2 - t0)
    timed = ("BacktestEngine.run() over the data objects (book + hook per event)" if mode == "core" else
             f"building the data objects from the .gz + add_data ({t1 - t0:.3f} s) + run() ({t2 - t1:.3f} s)")
    print(json.dumps({
        "engine": "nautilus_trader", "mode": mode, "frames": frames,
        "feeds": sum(hook.events.values()), "events": hook.events, "valid_tops": hook.valid,
        "seconds": secs, "frames_per_sec": frames / secs, "final_best": best, "timed": timed,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
