"""Tests of the peers comparison's own logic (standard library only, no venv needed):

    python3 -m unittest discover -s benches/peers -p 'test_*.py'
"""

import gzip
import json
import os
import tempfile
import unittest

import capture
import report

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "feeds", "testdata", "btcusdt_20240808.gz")


def write_gz(folder, name, lines):
    path = os.path.join(folder, name)
    with gzip.open(path, "wt") as f:
        for ln in lines:
            f.write(ln + "\n")
    return path


def depth(ns, first, last, bids):
    data = {"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": first, "u": last, "b": bids, "a": []}
    return f'{ns} {json.dumps({"stream": "btcusdt@depth@100ms", "data": data})}'


class Capture(unittest.TestCase):
    def test_sample_frames_match_the_provenance_and_the_engine(self):
        counts = {}
        n = sum(1 for _ in capture.frames([SAMPLE], counts))
        # feeds/testdata/PROVENANCE.md: 3,451 depth, 28,040 bookTicker, 9,757 trade, 1 snapshot;
        # AlphaPulse's feed counters on the sample: stale_dropped 2
        self.assertEqual(
            {k: counts[k] for k in ("depth", "book_ticker", "trade", "agg_trade", "snapshot", "other", "stale_dropped")},
            {"depth": 3451, "book_ticker": 28040, "trade": 9757, "agg_trade": 0, "snapshot": 1, "other": 0,
             "stale_dropped": 2},
        )
        self.assertEqual(capture.total(counts), 41249)
        self.assertEqual(n, 41249 - 2)

    def test_updates_before_the_snapshot_follow_it_and_stale_ones_are_dropped(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_gz(d, "btcusdt_1.gz", [
                depth(100, 1, 5, [["10.00", "0"]]),
                depth(150, 6, 10, [["10.00", "3"]]),  # u == lastUpdateId: already in the snapshot
                depth(200, 11, 12, [["11.00", "1"]]),
                '300 {"lastUpdateId":10,"bids":[["10.00","2"]],"asks":[["12.00","1"]]}',
                '400 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"11.5","q":"1","T":1,"m":true}}',
                '500 {"result":null,"id":1}',
            ])
            counts = {}
            got = [(k, ns, d.get("u")) for k, ns, d in capture.frames([path], counts)]
        self.assertEqual(got, [("snapshot", 300, None), ("depth", 300, 12), ("trade", 400, None)])
        self.assertEqual((counts["stale_dropped"], counts["other"], capture.total(counts)), (2, 1, 5))

    def test_a_line_that_is_not_ns_json_names_its_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_gz(d, "bad.gz", [depth(1, 1, 2, []), "12 {not json"])
            with self.assertRaisesRegex(ValueError, "bad.gz:2"):
                list(capture.frames([path], {}))


class Report(unittest.TestCase):
    def fake_run_set(self, d, hbt_frames):
        ours = {"frames_by_kind": {"depth": 3, "book_ticker": 2, "trade": 1, "snapshot": 1, "other": 4, "kline": 0},
                "elapsed_sec": 0.5, "intents": 2, "fills": 2, "realized_pnl": 0.1, "events": 20}
        put = lambda name, obj: open(os.path.join(d, name + ".out"), "w").write(json.dumps(obj))
        put("prep-journal", ours)
        put("prep-hbt", {"frames": 7, "frames_by_kind": {}})
        for name in ("ours-1t", "ours-2t", "ours-journal"):
            put("r1-" + name, ours)
            open(os.path.join(d, f"r1-{name}.wall_ns"), "w").write("1000000000")
        for k, engine in (("hbt", "hftbacktest"), ("nautilus", "nautilus_trader")):
            for mode in ("core", "whole"):
                frames = hbt_frames if k == "hbt" and mode == "whole" else 7
                # a peer prints progress lines before its JSON
                with open(os.path.join(d, f"r1-{k}-{mode}.out"), "w") as f:
                    f.write("Correcting the latency\n" + json.dumps(
                        {"engine": engine, "frames": frames, "frames_per_sec": 100.0, "feeds": 7}) + "\n")
        with open(os.path.join(d, "r1-hbt-elapse.out"), "w") as f:
            f.write(json.dumps({"engine": "hftbacktest", "frames": 7, "frames_per_sec": 200.0, "feeds": 1}) + "\n")
        for side in ("before", "after"):
            open(os.path.join(d, f"r1.load_{side}"), "w").write("1.00 2.00 3.00\n")

    def test_agreeing_frame_counts_are_collected(self):
        with tempfile.TemporaryDirectory() as d:
            self.fake_run_set(d, 7)
            frames, core, whole, loads, hooks, _ = report.collect(d, 1)
        self.assertEqual(frames, 7)
        self.assertEqual(core["ours-1t"], [14.0])
        self.assertEqual(whole["ours-1t"], [7.0])
        self.assertEqual(core["hbt"], [100.0])
        self.assertEqual(core["hbt-elapse"], [200.0])
        self.assertEqual(loads, [("1.00 2.00 3.00", "1.00 2.00 3.00")])

    def test_a_peer_reading_other_frames_fails_the_run_set(self):
        with tempfile.TemporaryDirectory() as d:
            self.fake_run_set(d, 6)
            with self.assertRaises(report.Mismatch) as e:
                report.collect(d, 1)
        self.assertEqual(e.exception.args[0], ["round 1 hftbacktest whole: 6 frames, AlphaPulse read 7"])


if __name__ == "__main__":
    unittest.main()
