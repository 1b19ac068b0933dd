#!/usr/bin/env python3
"""The naive way to create a project's objects, for bench-apply.sh to
compare with: one sequential POST per object (images, campaigns, ad sets,
creatives, ads), each waiting for the previous answer, every object
created with its declared status, as simple scripts and tools do. No
batches, no parallelism, no labels, no retries.

    naive-apply.py PROJECT_DIR BASE_URL [--account act_X]

Prints one JSON line: {"requests", "wall_s", "cpu_s", "rss_kib",
"created"}. The token is ADSCTL_ACCESS_TOKEN.
"""
import base64
import glob
import json
import os
import resource
import sys
import time
import urllib.parse
import urllib.request

import yaml


def load(root):
    cfg = yaml.safe_load(open(os.path.join(root, "adsctl.yaml")))
    docs = []
    for pattern in cfg.get("include", []):
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            docs.append((os.path.dirname(path), yaml.safe_load(open(path))))
    return cfg, docs


class Client:
    def __init__(self, base, token):
        self.base = base.rstrip("/") + "/v25.0/"
        self.token = token
        self.requests = 0

    def post(self, path, params):
        body = {k: v if isinstance(v, str) else json.dumps(v)
                for k, v in params.items()}
        body["access_token"] = self.token
        data = urllib.parse.urlencode(body).encode()
        self.requests += 1
        with urllib.request.urlopen(self.base + path, data) as r:
            return json.loads(r.read())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root, base = args[0], args[1]
    cfg, docs = load(root)
    account = cfg["account"]
    if "--account" in sys.argv:
        account = sys.argv[sys.argv.index("--account") + 1]
    c = Client(base, os.environ.get("ADSCTL_ACCESS_TOKEN", "naive"))
    t0 = time.monotonic()
    hashes, creatives, created = {}, {}, 0

    def image(base_dir, ref):
        path = os.path.normpath(os.path.join(base_dir, ref["file"]))
        if path not in hashes:
            raw = open(path, "rb").read()
            r = c.post(account + "/adimages",
                       {"bytes": base64.b64encode(raw).decode(),
                        "name": os.path.basename(path)})
            hashes[path] = next(iter(r["images"].values()))["hash"]
        return hashes[path]

    def resolve(v, base_dir):
        if isinstance(v, dict):
            if set(v) == {"file"}:
                return image(base_dir, v)
            return {k: resolve(x, base_dir) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x, base_dir) for x in v]
        return v

    # creatives first: ads need their ids
    for base_dir, doc in docs:
        for key, cr in (doc.get("creatives") or {}).items():
            r = c.post(account + "/adcreatives", resolve(cr, base_dir))
            creatives["creatives." + key] = r["id"]
            created += 1
    for base_dir, doc in docs:
        for key, camp in (doc.get("campaigns") or {}).items():
            camp = dict(camp)
            sets = camp.pop("ad_sets", {}) or {}
            cid = c.post(account + "/campaigns", camp)["id"]
            created += 1
            for skey, s in sets.items():
                s = dict(s)
                ads = s.pop("ads", {}) or {}
                s["campaign_id"] = cid
                sid = c.post(account + "/adsets", s)["id"]
                created += 1
                for akey, ad in ads.items():
                    ad = dict(ad)
                    ad["adset_id"] = sid
                    ad["creative"] = {"creative_id":
                                      creatives[ad["creative"]["ref"]]}
                    c.post(account + "/ads", ad)
                    created += 1
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"requests": c.requests, "wall_s": round(wall, 2),
                      "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
                      "rss_kib": ru.ru_maxrss, "created": created + len(hashes)}))


if __name__ == "__main__":
    main()
