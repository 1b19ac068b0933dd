#!/usr/bin/env python3
"""Write an emulator data file holding a project as if it had been applied.

    gen-emulator-data.py PLAN.json OUT.json [--account-currency USD]
                         [--unmanaged N]

PLAN.json is `adsctl plan --format json` of a project against an empty
account (every step a create or an activation). OUT.json is a state file
for `adsctl emulator --data OUT.json` in which every object of the plan
exists as the plan's create steps would have made it: the same fields and
labels, in the emulator's read-back form (money as numeric strings, ad
labels as {id, name}, parents linked, declared statuses applied by the
activation steps). `adsctl plan` of the project against it must show no
changes; the benchmark checks that.

--unmanaged N adds N unlabelled campaigns with one ad set and one ad each
(objects made by hand that plan must read and leave alone).

Writing the file directly takes seconds for 10,000 ads, where creating
them through the API would take minutes. Python 3 standard library only.
"""
import argparse
import json
import sys

MONEY = {"daily_budget", "lifetime_budget", "spend_cap", "daily_spend_cap",
         "lifetime_spend_cap", "daily_min_spend_target",
         "lifetime_min_spend_target"}
# plan kinds -> the emulator's kind names (src/emulator/store.c)
KINDS = {"campaign": "campaign", "ad_set": "adset", "ad": "ad",
         "creative": "adcreative", "audience": "customaudience"}
T0 = 1798761600  # 2027-01-01T00:00:00Z


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan")
    ap.add_argument("out")
    ap.add_argument("--account-currency", default="USD")
    ap.add_argument("--unmanaged", type=int, default=0)
    a = ap.parse_args()
    plan = json.load(open(a.plan))
    account = plan["account"]
    digits = account[len("act_"):]
    state = {"format": "adsctl-emulator-state", "version": 1,
             "accounts": [{"id": account, "currency": a.account_currency,
                           "timezone_name": "America/Los_Angeles",
                           "min_daily_budget": 100, "created": T0}],
             "objects": []}
    next_id = [120200000000000001]
    seq = [0]
    ids = {}        # address -> id
    objs = {}       # id -> object
    labels = {}     # label name -> id

    def new(kind, fields, parent=None, oid=None):
        if oid is None:
            oid = str(next_id[0])
            next_id[0] += 1
        seq[0] += 1
        o = {"id": oid, "kind": kind, "account": account, "seq": seq[0],
             "created": T0, "updated": T0, "fields": fields}
        if parent:
            o["parent"] = parent
        state["objects"].append(o)
        objs[oid] = o
        return o

    def resolve(v):
        if isinstance(v, dict):
            if set(v) == {"ref"}:
                return ids[v["ref"]]
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    def label_ids(names):
        out = []
        for n in names:
            if n not in labels:
                labels[n] = new("adlabel", {"name": n})["id"]
            out.append({"id": labels[n], "name": n})
        return out

    for step in plan["steps"]:
        kind, addr = step["kind"], step["address"]
        if step["action"] == "activate":
            objs[ids[addr]]["fields"]["status"] = \
                step["requests"][0]["params"]["status"]
            continue
        if step["action"] != "create":
            sys.exit("gen-emulator-data: the plan must only create "
                     "(step %s %s)" % (step["action"], addr))
        req = step["requests"][0]
        if kind == "image":
            h = req["upload"]["digest"]
            new("adimage", {"hash": h, "name": req["upload"]["file"],
                          "status": "ACTIVE",
                          "url": "https://emulator.adsctl.invalid/i/%s.jpg"
                                 % h},
                oid="%s:%s" % (digits, h))
            ids[addr] = h
            continue
        if kind not in KINDS:
            sys.exit("gen-emulator-data: cannot seed %s %s" % (kind, addr))
        params = resolve(req["params"])
        parent = None
        names = [l["name"] for l in params.pop("adlabels", [])]
        if kind == "ad_set":
            parent = params.pop("campaign_id")
        if kind == "ad":
            parent = params.pop("adset_id")
            params["creative_id"] = params.pop("creative")["creative_id"]
        for k in MONEY & set(params):
            params[k] = str(params[k])
        if kind == "creative":
            params.setdefault("status", "ACTIVE")
        if names:
            params["adlabels"] = label_ids(names)
        ids[addr] = new(KINDS[kind], params, parent)["id"]

    for i in range(a.unmanaged):
        c = new("campaign", {"name": "Made by hand %d" % i,
                             "objective": "OUTCOME_TRAFFIC",
                             "special_ad_categories": [],
                             "status": "PAUSED", "daily_budget": "1000",
                             "buying_type": "AUCTION"})
        s = new("adset", {"name": "Made by hand %d" % i, "status": "ACTIVE",
                          "billing_event": "IMPRESSIONS",
                          "optimization_goal": "LINK_CLICKS",
                          "targeting": {"geo_locations":
                                        {"countries": ["US"]}}},
                c["id"])
        new("ad", {"name": "Made by hand %d" % i, "status": "ACTIVE"},
            s["id"])

    state["next_id"] = next_id[0]
    state["seq"] = seq[0]
    with open(a.out, "w") as f:
        json.dump(state, f, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
