#!/usr/bin/env python3
"""Check an emulator's state against a project's manifests, independently
of adsctl's own code (it reads the YAML and /_emulator/state itself).

    check-state.py STATE.json PROJECT_DIR [--allow-archived]

STATE.json is what GET /_emulator/state returned. The account and stack
come from PROJECT_DIR/adsctl.yaml. Exits 0 when the account holds exactly
what the manifests declare, and 1 with one line per problem otherwise:

- every declared campaign, ad set, ad and creative exists exactly once
  (by its ad label adsctl:<stack>:<address>), not deleted nor archived;
  every declared custom audience exactly once (by its description marker);
- no other object of the account carries a label or marker of the stack,
  and no unlabelled campaign, ad set, ad, creative or audience exists (a
  create sent twice without its label would be one);
- ad sets sit under their declared campaign, ads under their declared ad
  set, with their declared creative; nothing ACTIVE has a parent that is
  missing, deleted or archived;
- declared fields have their declared values (numbers and numeric strings
  compare equal, objects compare the declared keys, lists of countries and
  special_ad_categories as sets, `{file: PATH}` image hashes as the MD5 of
  the file);
- every image file the manifests name is in the account; customer lists
  hold as many members as the CSV has distinct rows.
"""
import glob
import hashlib
import json
import os
import sys

import yaml

KINDS = {"campaign", "adset", "ad", "adcreative", "customaudience"}
SET_FIELDS = {"special_ad_categories", "countries"}


def die(msg):
    print("check-state: " + msg, file=sys.stderr)
    sys.exit(2)


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f) or {}


class Project:
    def __init__(self, root):
        self.root = root
        cfg = load_yaml(os.path.join(root, "adsctl.yaml"))
        self.stack = cfg["stack"]
        self.account = cfg["account"]
        self.resources = {}   # address -> (kind, fields, manifest dir)
        self.parents = {}     # address -> parent address
        self.members = {}     # audience address -> CSV path
        for pattern in cfg.get("include", []):
            for path in sorted(glob.glob(os.path.join(root, pattern))):
                self.load_file(path)

    def load_file(self, path):
        doc = load_yaml(path)
        base = os.path.dirname(path)
        for key, c in (doc.get("campaigns") or {}).items():
            caddr = "campaigns." + key
            c = dict(c)
            sets = c.pop("ad_sets", {}) or {}
            self.resources[caddr] = ("campaign", c, base)
            for skey, s in sets.items():
                saddr = caddr + ".ad_sets." + skey
                s = dict(s)
                ads = s.pop("ads", {}) or {}
                self.resources[saddr] = ("adset", s, base)
                self.parents[saddr] = caddr
                for akey, a in ads.items():
                    aaddr = saddr + ".ads." + akey
                    self.resources[aaddr] = ("ad", dict(a), base)
                    self.parents[aaddr] = saddr
        for key, c in (doc.get("creatives") or {}).items():
            self.resources["creatives." + key] = ("adcreative", dict(c), base)
        for key, a in (doc.get("audiences") or {}).items():
            a = dict(a)
            m = a.pop("members", None)
            addr = "audiences." + key
            self.resources[addr] = ("customaudience", a, base)
            if m:
                self.members[addr] = os.path.join(base, m["file"])

    def image_files(self):
        out = set()

        def walk(v, base):
            if isinstance(v, dict):
                if set(v) == {"file"}:
                    out.add(os.path.normpath(os.path.join(base, v["file"])))
                for x in v.values():
                    walk(x, base)
            elif isinstance(v, list):
                for x in v:
                    walk(x, base)
        for kind, fields, base in self.resources.values():
            walk(fields, base)
        return out


def md5_of(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def csv_rows(path):
    with open(path, newline="") as f:
        lines = [l.strip() for l in f.read().splitlines()[1:] if l.strip()]
    return len(set(lines))


def num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def same(want, got, key, base, ids):
    """Whether a declared value matches a stored one."""
    if isinstance(want, dict) and set(want) == {"file"}:
        return got == md5_of(os.path.join(base, want["file"]))
    if isinstance(want, dict) and set(want) == {"ref"}:
        if isinstance(got, dict):   # custom_audiences: [{"id": ...}]
            got = got.get("id")
        return got == ids.get(want["ref"])
    if isinstance(want, dict):
        if key == "creative" and "creative_id" not in want:
            return False
        if not isinstance(got, dict):
            return False
        return all(same(v, got.get(k), k, base, ids) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(got, list) or len(want) != len(got):
            return False
        if key in SET_FIELDS:
            return sorted(map(json.dumps, want)) == sorted(map(json.dumps, got))
        return all(same(w, g, key, base, ids) for w, g in zip(want, got))
    if num(want) is not None and num(got) is not None:
        return num(want) == num(got)
    if isinstance(want, bool) or isinstance(got, bool):
        return bool(want) == (got in (True, 1, "1", "true"))
    return want == got


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        die("usage: check-state.py STATE.json PROJECT_DIR")
    with open(args[0]) as f:
        state = json.load(f)
    proj = Project(args[1])
    prefix = "adsctl:%s:" % proj.stack
    problems = []
    live = {}        # address -> [objects]
    by_id = {}
    images = set()
    for o in state["objects"]:
        if o.get("account") != proj.account:
            continue
        by_id[o["id"]] = o
        f = o.get("fields", {})
        if o["kind"] == "adimage" and not o.get("gone"):
            images.add(f.get("hash"))
        if o["kind"] not in KINDS or o.get("gone"):
            continue
        status = f.get("status")
        if status == "DELETED":
            continue
        addrs = []
        if o["kind"] == "customaudience":
            d = f.get("description") or ""
            i = d.rfind("[adsctl ")
            if i >= 0:
                body = d[i + 8:].rstrip("]").split(" ")[0]
                st, _, addr = body.partition(":")
                if st == proj.stack:
                    addrs.append(addr)
        else:
            for lab in f.get("adlabels") or []:
                n = lab.get("name", "")
                if n.startswith(prefix) and "@" not in n:
                    addrs.append(n[len(prefix):])
        if not addrs:
            problems.append("unlabelled %s %s (%r): a create without its "
                            "identity" % (o["kind"], o["id"], f.get("name")))
            continue
        if status == "ARCHIVED":
            if "--allow-archived" not in sys.argv:
                problems.append("%s %s is archived" % (addrs[0], o["id"]))
            continue
        for a in addrs:
            live.setdefault(a, []).append(o)

    ids = {}
    for addr, (kind, fields, base) in sorted(proj.resources.items()):
        objs = live.get(addr, [])
        if not objs:
            problems.append("missing: %s" % addr)
            continue
        if len(objs) > 1:
            problems.append("duplicate: %s is %s" %
                            (addr, ", ".join(o["id"] for o in objs)))
        o = objs[0]
        if o["kind"] != kind:
            problems.append("%s is a %s, not a %s" % (addr, o["kind"], kind))
        ids[addr] = o["id"]
    for addr in sorted(set(live) - set(proj.resources)):
        problems.append("not declared: %s (%s)" %
                        (addr, ", ".join(o["id"] for o in live[addr])))

    for addr, (kind, fields, base) in sorted(proj.resources.items()):
        if addr not in ids:
            continue
        o = by_id[ids[addr]]
        f = o["fields"]
        parent = proj.parents.get(addr)
        if parent:
            pid = o.get("parent")
            if pid != ids.get(parent):
                problems.append("%s is under %s, not under %s (%s)" %
                                (addr, pid, parent, ids.get(parent)))
        # nothing active under a missing, deleted or archived parent
        pid, chain = o.get("parent"), 0
        while f.get("status") == "ACTIVE" and pid and chain < 4:
            p = by_id.get(pid)
            ps = p and p["fields"].get("status")
            if not p or p.get("gone") or ps in ("DELETED", "ARCHIVED"):
                problems.append("%s is ACTIVE but its parent %s is %s" %
                                (addr, pid, ps or "missing"))
                break
            pid, chain = p.get("parent"), chain + 1
        for k, want in fields.items():
            got = f.get(k)
            if k == "creative":
                got = {"creative_id": f.get("creative_id")}
                want = {"creative_id": want}
            if k == "origin":
                continue   # stored as the lookalike's source, not a field
            if k == "description" and isinstance(got, str):
                i = got.rfind("[adsctl ")
                got = got[:i].rstrip() if i >= 0 else got
            if not same(want, got, k, base, ids):
                problems.append("%s: %s is %s, the manifest says %s" %
                                (addr, k, json.dumps(got), json.dumps(want)))
        if addr in proj.members:
            want = csv_rows(proj.members[addr])
            got = o.get("member_count")
            if got != want:
                problems.append("%s has %s members, the list has %d" %
                                (addr, got, want))
    for path in sorted(proj.image_files()):
        if md5_of(path) not in images:
            problems.append("image %s is not in the account" % path)

    for p in problems:
        print(p)
    if problems:
        print("%d problem(s) in %s" % (len(problems), proj.account))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
