"""Trims the real SEC/price files in ../shared/data/equities into the small fixtures here.
Run from engine/agents: python3 testdata/make_fixtures.py /path/to/shared/data/equities (needs pyyaml)."""
import ast, json, sys, yaml
src = sys.argv[1]
KEEP = ["NetIncomeLoss", "StockholdersEquity"]

def trim_facts(doc, keep_years):
    out = {"cik": doc["cik"], "entityName": doc["entityName"], "facts": {"us-gaap": {}}}
    for c in KEEP:
        units = doc["facts"]["us-gaap"][c]["units"]
        out["facts"]["us-gaap"][c] = {"units": {"USD": [f for f in units["USD"] if f["end"][:4] in keep_years]}}
    return out

with open(f"{src}/sec/aapl_companyfacts.cassette.yaml") as f:
    cas = yaml.safe_load(f)
doc = json.loads(cas["interactions"][0]["response"]["body"]["string"])
mini = trim_facts(doc, {"2008"})
cas["interactions"][0]["response"]["body"]["string"] = json.dumps(mini)
cas["interactions"][0]["response"]["headers"] = {}
with open("testdata/aapl_companyfacts_fy2008.cassette.yaml", "w") as f:
    yaml.safe_dump(cas, f, width=100)
json.dump(mini, open("testdata/aapl_companyfacts_fy2008.json", "w"), indent=0)

tsla = ast.literal_eval(open(f"{src}/sec/tsla_companyfacts.pydict").read())
open("testdata/tsla_companyfacts_fy2020.pydict", "w").write(repr(trim_facts(tsla, {"2020"})))

subs = json.load(open(f"{src}/sec/tsla_submissions.json"))
r = subs["filings"]["recent"]
idx = [i for i, form in enumerate(r["form"]) if form in ("8-K", "425", "SC 13G/A")][:12]
subs_mini = {"cik": subs["cik"], "name": subs["name"], "tickers": subs["tickers"],
             "filings": {"recent": {k: [r[k][i] for i in idx] for k in r}}}
json.dump(subs_mini, open("testdata/tsla_submissions_mini.json", "w"), indent=0)

lines = open(f"{src}/prices-kaggle/AAPL_data.csv").read().splitlines()
open("testdata/AAPL_prices_mini.csv", "w").write("\n".join(lines[:31]) + "\n")
