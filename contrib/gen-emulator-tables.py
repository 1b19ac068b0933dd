#!/usr/bin/env python3
"""Generate src/emulator/spec_tables.c from Meta's Graph API specs.

The emulator validates writes and field selections against the same specs
the official SDKs are generated from (shared/graph-api-specs/specs/*.json):
the parameters each create/update endpoint accepts (and which are
required), the readable fields of every node and of every struct reachable
from them, and the values of every enum those reference.

This generator is deliberately independent of the client's schema
generator, so that a misreading of the specs cannot hide in both.

Usage: contrib/gen-emulator-tables.py [SPECS_DIR] [OUT_FILE]
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_SPECS = os.path.join(ROOT, "..", "shared", "graph-api-specs", "specs")
DEFAULT_OUT = os.path.join(ROOT, "src", "emulator", "spec_tables.c")

# Nodes the emulator serves; their fields are read-backs and field
# selections are checked against them.
NODES = [
    "AdAccount", "Campaign", "AdSet", "Ad", "AdCreative", "CustomAudience",
    "AdLabel", "AdImage", "AdVideo", "AdAsyncRequestSet", "AdAsyncRequest",
]

# (node, method, edge) of every write endpoint the emulator implements.
ENDPOINTS = [
    ("AdAccount", "POST", "campaigns"),
    ("AdAccount", "POST", "adsets"),
    ("AdAccount", "POST", "ads"),
    ("AdAccount", "POST", "adcreatives"),
    ("AdAccount", "POST", "adimages"),
    ("AdAccount", "POST", "advideos"),
    ("AdAccount", "POST", "customaudiences"),
    ("AdAccount", "POST", "adlabels"),
    ("AdAccount", "POST", "async_batch_requests"),
    ("AdAccount", "POST", "asyncadrequestsets"),
    ("Campaign", "POST", ""),
    ("AdSet", "POST", ""),
    ("Ad", "POST", ""),
    ("AdCreative", "POST", ""),
    ("CustomAudience", "POST", ""),
    ("AdLabel", "POST", ""),
    ("AdAsyncRequestSet", "POST", ""),
    ("CustomAudience", "POST", "users"),
    ("CustomAudience", "DELETE", "users"),
    ("CustomAudience", "POST", "usersreplace"),
]

# Param types that are declared as opaque objects in the create edge but
# whose shape the specs describe as a node; validation follows the node.
PARAM_STRUCTS = {
    ("AdAccount", "adsets", "promoted_object"): "AdPromotedObject",
    ("AdAccount", "campaigns", "promoted_object"): "AdPromotedObject",
    ("Campaign", "", "promoted_object"): "AdPromotedObject",
    ("AdSet", "", "promoted_object"): "AdPromotedObject",
    ("AdAccount", "adcreatives", "asset_feed_spec"): "AdAssetFeedSpec",
    ("AdAccount", "adcreatives", "degrees_of_freedom_spec"):
        "AdCreativeDegreesOfFreedomSpec",
    ("AdAccount", "adcreatives", "call_to_action"):
        "AdCreativeLinkDataCallToAction",
}

SCALARS = {
    "string", "int", "unsigned int", "bool", "float", "datetime", "Object",
    "map", "list", "file", "int64", "unsigned int64", "double", "numeric string",
}


def inner(t):
    """The element type of list<...> (recursively) or t itself."""
    m = re.fullmatch(r"list<(.*)>", t)
    return inner(m.group(1)) if m else t


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load(specs, name):
    path = os.path.join(specs, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    specs = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SPECS
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    with open(os.path.join(specs, "enum_types.json"), encoding="utf-8") as f:
        enums = {e["name"]: e["values"] for e in json.load(f)}

    cache = {}

    def spec(name):
        if name not in cache:
            cache[name] = load(specs, name)
        return cache[name]

    # Structs reachable from the nodes' fields and the endpoints' params.
    structs = {}
    todo = list(NODES) + sorted(set(PARAM_STRUCTS.values()))
    params = []
    for node, method, edge in ENDPOINTS:
        d = spec(node)
        api = None
        for a in d["apis"]:
            if a["method"] == method and a.get("endpoint", "") == edge:
                api = a
        if api is None:
            sys.exit("no %s %s/%s in %s.json" % (method, node, edge, node))
        ps = []
        for p in api.get("params", []):
            t = PARAM_STRUCTS.get((node, edge, p["name"]), p["type"])
            ps.append((p["name"], t, bool(p.get("required"))))
            todo.append(inner(t))
        params.append((node, method, edge, sorted(ps)))
    while todo:
        name = todo.pop()
        if name in structs or name in SCALARS or name in enums:
            continue
        if re.match(r"map<", name):
            continue
        d = spec(name)
        if d is None:
            continue
        fields = sorted((f["name"], f["type"]) for f in d.get("fields", []))
        structs[name] = fields
        # Do not descend from nested nodes into their own nodes' fields
        # beyond structs: every type named is looked up once.
        for _, t in fields:
            todo.append(inner(t))

    used_enums = set()
    for fields in structs.values():
        for _, t in fields:
            if inner(t) in enums:
                used_enums.add(inner(t))
    for _, _, _, ps in params:
        for _, t, _ in ps:
            if inner(t) in enums:
                used_enums.add(inner(t))

    lines = []
    w = lines.append
    w("/*")
    w(" * GENERATED by contrib/gen-emulator-tables.py from")
    w(" * the JSON files of shared/graph-api-specs/specs (Meta's SDK codegen")
    w(" * specs, API v25.0).")
    w(" * Do not edit: change the generator and run it again.")
    w(" */")
    w('#include "emulator/spec.h"')
    w("")
    w("/* clang-format off */")
    enum_names = sorted(used_enums)
    for i, name in enumerate(enum_names):
        vals = sorted(enums[name])
        w("static const char *const enum_%d[] = {" % i)
        for v in vals:
            w("\t%s," % c_str(v))
        w("};")
    w("")
    w("const struct emu_enum emu_spec_enums[] = {")
    for i, name in enumerate(enum_names):
        w("\t{ %s, enum_%d, %d }," % (c_str(name), i, len(enums[name])))
    w("};")
    w("const size_t emu_spec_nenums = %d;" % len(enum_names))
    w("")
    struct_names = sorted(structs)
    for i, name in enumerate(struct_names):
        w("static const struct emu_field node_%d[] = {" % i)
        for fname, ftype in structs[name]:
            w("\t{ %s, %s }," % (c_str(fname), c_str(ftype)))
        if not structs[name]:
            w("\t{ NULL, NULL },")
        w("};")
    w("")
    w("const struct emu_node emu_spec_nodes[] = {")
    for i, name in enumerate(struct_names):
        w("\t{ %s, node_%d, %d }," % (c_str(name), i, len(structs[name])))
    w("};")
    w("const size_t emu_spec_nnodes = %d;" % len(struct_names))
    w("")
    for i, (node, method, edge, ps) in enumerate(params):
        w("static const struct emu_param params_%d[] = {" % i)
        for pname, ptype, req in ps:
            w("\t{ %s, %s, %s }," % (c_str(pname), c_str(ptype),
                                      "true" if req else "false"))
        if not ps:
            w("\t{ NULL, NULL, false },")
        w("};")
    w("")
    w("const struct emu_endpoint emu_spec_endpoints[] = {")
    for i, (node, method, edge, ps) in enumerate(params):
        w("\t{ %s, %s, %s, params_%d, %d }," % (
            c_str(node), c_str(method), c_str(edge), i, len(ps)))
    w("};")
    w("const size_t emu_spec_nendpoints = %d;" % len(params))
    w("/* clang-format on */")
    text = "\n".join(lines) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s: %d enums, %d nodes, %d endpoints" % (
        out, len(enum_names), len(struct_names), len(params)))


if __name__ == "__main__":
    main()
