#!/usr/bin/env python3
"""Generate schemas/*.json (the manifest schemas, DESIGN.md §2) from Meta's
Graph API specs plus the hand-written overlays in schemas/curated/.

    contrib/gen-schemas.py [--specs DIR] [--curated DIR] [--out DIR]

What comes from where:
  * Field names, types and enum values come from the specs
    (graph-api-specs/specs/*.json, enum_types.json): the writable
    parameters of POST /act_{id}/{campaigns,adsets,ads,adcreatives,
    customaudiences} in AdAccount.json, with every struct type they use
    expanded into $defs from its own spec. Enum lists are never typed here.
  * The tables below say which parameters a manifest may not carry
    (EXCLUDED, with the reason), which field names hold ids, money, image
    hashes and video ids, and so get the manifest-native forms of
    DESIGN.md §2 ({ file: PATH } for media).
  * Curated rules cite the API docs in "x-source" members (JSON has no
    comments), which the generator drops from its output.
  * schemas/curated/descriptions.json gives property descriptions (from the
    Marketing API reference tables and reference/creative-model.md);
    anything without one gets a description derived from the spec.
  * schemas/curated/<kind>.json is a JSON merge patch (RFC 7386) applied to
    the generated schema of that kind; schemas/curated/defs.json holds one
    merge patch per $defs type (applied wherever the type is emitted) and
    the adsctl-native types (refs, files, members). Patches are checked: a
    curated enum must be a subset of the spec's, a patch may not describe a
    property that does not exist, and spec-required parameters stay
    required.

Output is deterministic (sorted keys, two-space indent, trailing newline),
so re-running the generator on unchanged inputs produces no diff; the ctest
check tests/schemas/ relies on that. Python 3 standard library only.
"""

import argparse
import copy
import json
import os
import re
import sys

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://adsctl.dev/schemas/"

# Resource kinds: manifest name -> (edge of POST /act_{id}/<edge>, node type
# read back, resource-file section).
KINDS = {
    "campaign": ("campaigns", "Campaign", "campaigns"),
    "ad_set": ("adsets", "AdSet", None),
    "ad": ("ads", "Ad", None),
    "creative": ("adcreatives", "AdCreative", "creatives"),
    "audience": ("customaudiences", "CustomAudience", "audiences"),
}

KEY_PATTERN = "^[a-z0-9_-]+$"
ADDRESS_PATTERN = (
    r"^(campaigns\.[a-z0-9_-]+(\.ad_sets\.[a-z0-9_-]+(\.ads\.[a-z0-9_-]+)?)?"
    r"|creatives\.[a-z0-9_-]+|audiences\.[a-z0-9_-]+)$")

# Create parameters a manifest may not carry, with the reason: each becomes
# a property that rejects any value with that reason as its message.
ADSCTL_MANAGED = {
    "adlabels": "adsctl manages ad labels itself: it attaches its ownership "
                "label adsctl:<stack>:<address> when it creates the object",
    "execution_options": "adsctl sets execution_options itself "
                         "(plan --validate-remote sends validate_only)",
}
EXCLUDED = {
    "campaign": {
        **ADSCTL_MANAGED,
        "source_campaign_id": "copy provenance set by Meta's /copies "
                              "endpoint; adsctl creates objects, it does not "
                              "copy them",
        # 003:L4792-4796
        "smart_promotion_type": "it is read back on Advantage+ campaigns, "
                                "and legacy Advantage+ shopping and app "
                                "campaigns cannot be created from v25.0",
    },
    "ad_set": {
        **ADSCTL_MANAGED,
        "campaign_id": "implied by nesting: an ad set belongs to the "
                       "campaign it is declared under (ad_sets:)",
        "campaign_spec": "inline campaign creation; declare the campaign "
                         "and nest the ad set under its ad_sets:",
        "source_adset_id": "copy provenance set by Meta's /copies endpoint",
        "date_format": "transport option for how dates are parsed in the "
                       "request; adsctl sends dates in one fixed format",
        "time_start": "legacy alias of start_time; write start_time",
        "time_stop": "legacy alias of end_time; write end_time",
        # 003:L4796, L4907-4955
        "existing_customer_budget_percentage":
            "legacy Advantage+ shopping only, deprecated in v25.0; use two "
            "ad sets, one with custom_audiences and one with "
            "excluded_custom_audiences",
    },
    "ad": {
        **ADSCTL_MANAGED,
        "adset_id": "implied by nesting: an ad belongs to the ad set it is "
                    "declared under (ads:)",
        "adset_spec": "inline ad set creation; declare the ad set and nest "
                      "the ad under its ads:",
        "source_ad_id": "copy provenance set by Meta's /copies endpoint",
        "date_format": "transport option for how dates are parsed in the "
                       "request",
        "include_demolink_hashes": "response option, not part of the ad",
        "draft_adgroup_id": "Ads Manager drafts are not managed by adsctl",
        # 003:L14996
        "bid_amount": "deprecated on ads; set bid_amount on the ad set",
    },
    "creative": {
        **ADSCTL_MANAGED,
        "image_file": "raw multipart upload; write image_hash: "
                      "{ file: PATH } and adsctl uploads the file",
        "is_dco_internal": "internal Meta flag",
    },
    "audience": {
        "enable_fetch_or_create": "would return an existing audience "
                                  "instead of creating one; adsctl finds its "
                                  "audiences by their marker itself",
    },
}

# Fields of nested types a manifest may not carry: read-only read-back
# values, or forms with a manifest-native replacement.
NESTED_EXCLUDED = {
    "Targeting": {
        **{f: "read-only: what Meta resolved the placements to"
           for f in ("effective_audience_network_positions",
                     "effective_device_platforms",
                     "effective_facebook_positions",
                     "effective_instagram_positions",
                     "effective_messenger_positions",
                     "effective_publisher_platforms",
                     "effective_threads_positions",
                     "effective_whatsapp_positions")},
        **{f: "legacy top-level geo field; write it under geo_locations"
           for f in ("countries", "country", "cities", "regions", "zips",
                     "country_groups")},
        "adgroup_id": "read-only",
    },
    "LookalikeSpec": {
        "origin": "read-back only; the seed audience is the audience's "
                  "origin: { ref: audiences.KEY }",
        "target_country_names": "read-back only",
        "is_parent_lal": "read-back only",
        "is_created_by_recommended_dfca": "read-back only",
    },
    "AdCreativeVideoData": {
        "targeting": "read-back only",
        "branded_content_shared_to_sponsor_status": "read-back only",
    },
    "AdCreativeLinkData": {
        "branded_content_shared_to_sponsor_status": "read-back only",
    },
    "AdCreativePhotoData": {
        "branded_content_shared_to_sponsor_status": "read-back only",
    },
    "AdCreativeFacebookBrandedContent": {
        "shared_to_sponsor_status": "read-back only",
    },
}

# Spec types that are generic containers in the create parameters; when the
# node's own field has a struct type, that type is used instead (e.g.
# asset_feed_spec: Object -> AdAssetFeedSpec).
GENERIC_TYPES = {"Object", "map", "list<Object>", "list<map>",
                 "map<string, Object>", "string"}

# Field names that hold Graph ids but are not numeric.
NON_NUMERIC_IDS = {
    "app_product_page_id",    # App Store custom product page (a UUID)
    "object_story_id",        # <PAGE_ID>_<POST_ID>
    "retailer_item_ids",      # the retailer's own item ids
    "partner_app_welcome_message_flow_id",
}
# Spec "string" fields that carry numbers; manifests may write either.
NUMERIC_STRINGS = {"retention_seconds", "min_retention_seconds",
                   "impression_count", "retention_days"}
MONEY_RE = re.compile(
    r"^(daily_budget|lifetime_budget|bid_amount|spend_cap|.*_spend_cap"
    r"|.*_min_spend_target)$")
# Wherever the API takes an image hash a manifest may write { file: PATH }.
IMAGE_HASH_RE = re.compile(r"^(image_hash|.*_image_hash|thumbnail_hash)$")
# Wherever it takes a video id, video_id: { file: clip.mp4 }.
VIDEO_ID_FIELDS = {"video_id"}

PRIMITIVE = {
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "unsigned int": {"type": "integer", "minimum": 0},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "Object": {},
    "map": {"type": "object"},
    "list": {"type": "array"},
}


class GenError(Exception):
    pass


def parse_type(t):
    """'list<map<string, X>>' -> ('list', ('map', ('name','string'), ...))."""
    t = t.strip()
    m = re.match(r"^(list|map)<(.*)>$", t)
    if not m:
        return ("name", t)
    kind, inner = m.groups()
    if kind == "list":
        return ("list", parse_type(inner))
    depth = 0
    for i, c in enumerate(inner):
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c == "," and depth == 0:
            return ("map", parse_type(inner[:i]), parse_type(inner[i + 1:]))
    raise GenError("cannot parse type %r" % t)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Generator:
    def __init__(self, specs_dir, curated_dir):
        self.specs_dir = specs_dir
        self.enums = {e["name"]: e["values"]
                      for e in load_json(os.path.join(specs_dir,
                                                      "enum_types.json"))}
        self.specs = {}
        self.desc = {k: v["text"] for k, v in load_json(
            os.path.join(curated_dir, "descriptions.json")).items()}
        self.desc_used = set()
        self.curated = {}
        for kind in list(KINDS) + ["project", "resources"]:
            p = os.path.join(curated_dir, kind + ".json")
            self.curated[kind] = load_json(p) if os.path.exists(p) else {}
        self.def_patches = load_json(os.path.join(curated_dir, "defs.json"))
        self.def_cache = {}

    # --- specs -----------------------------------------------------------

    def spec(self, name):
        if name not in self.specs:
            p = os.path.join(self.specs_dir, name + ".json")
            self.specs[name] = load_json(p) if os.path.exists(p) else None
        return self.specs[name]

    def is_struct(self, name):
        s = self.spec(name)
        return s is not None and not s["apis"]

    def is_node(self, name):
        s = self.spec(name)
        return s is not None and bool(s["apis"])

    def create_params(self, kind):
        edge = KINDS[kind][0]
        for api in self.spec("AdAccount")["apis"]:
            if api.get("method") == "POST" and api.get("endpoint") == edge:
                return api["params"]
        raise GenError("no POST /act_{id}/%s in AdAccount.json" % edge)

    # --- types -----------------------------------------------------------

    def leaf(self, tname):
        if tname in self.enums:
            return {"type": "string", "enum": list(self.enums[tname])}
        if tname in PRIMITIVE:
            return copy.deepcopy(PRIMITIVE[tname])
        if tname == "datetime":
            return {"$ref": "#/$defs/datetime"}
        if self.is_struct(tname):
            return {"$ref": "#/$defs/" + tname}
        if self.is_node(tname):
            return None  # a read-only expansion of another Graph node
        raise GenError("unknown spec type %r" % tname)

    def type_schema(self, parsed):
        if parsed[0] == "name":
            return self.leaf(parsed[1])
        inner = self.type_schema(parsed[-1])  # list items or map values
        if inner is None:
            return None
        is_list = parsed[0] == "list"
        s = {"type": "array" if is_list else "object"}
        if inner:
            s["items" if is_list else "additionalProperties"] = inner
        return s

    def field_schema(self, field, tstr):
        """The schema of one field, with the manifest-native forms applied
        by field name. None when the field cannot be written."""
        parsed = parse_type(tstr)
        scalar = parsed[1] if parsed[0] == "name" else None
        numeric = scalar in ("string", "int", "unsigned int")
        if scalar is not None and field not in NON_NUMERIC_IDS:
            if MONEY_RE.match(field) and scalar in ("int", "unsigned int"):
                return {"$ref": "#/$defs/money"}
            if IMAGE_HASH_RE.match(field) and scalar == "string":
                return {"$ref": "#/$defs/image_hash"}
            if field in VIDEO_ID_FIELDS and numeric:
                return {"$ref": "#/$defs/video_id"}
            if re.search(r"(^|_)id$", field) and numeric:
                return {"$ref": "#/$defs/id"}
            if field == "key" and scalar == "string":
                return {"type": ["string", "integer"]}
            if field in NUMERIC_STRINGS and scalar == "string":
                return {"type": ["string", "integer"]}
        if field == "object_story_id" and scalar == "string":
            return {"type": "string", "pattern": "^[0-9]+_[0-9]+$"}
        if (parsed[0] == "list" and parsed[1] == ("name", "string")
                and field.endswith("_ids") and field not in NON_NUMERIC_IDS):
            return {"type": "array", "items": {"$ref": "#/$defs/id"}}
        return self.type_schema(parsed)

    def describe(self, key, fallback):
        if key in self.desc:
            self.desc_used.add(key)
            return self.desc[key]
        return fallback

    def struct_def(self, name):
        """The $defs entry of a struct spec, curated patch applied."""
        if name in self.def_cache:
            return copy.deepcopy(self.def_cache[name])
        spec = self.spec(name)
        excluded = NESTED_EXCLUDED.get(name, {})
        props = {}
        for f in sorted(spec["fields"], key=lambda f: f["name"]):
            fname = f["name"]
            if fname in excluded:
                continue
            s = self.field_schema(fname, f["type"])
            if s is None:
                continue
            s["description"] = self.describe(
                name + "." + fname,
                "`%s` (%s): field of the Graph API type %s." %
                (fname, f["type"], name))
            props[fname] = s
        d = {
            "type": "object",
            "description": self.describe(
                name, "Graph API type %s (from its spec)." % name),
            "properties": props,
            "additionalProperties": False,
        }
        for f in excluded:
            if f not in {x["name"] for x in spec["fields"]}:
                raise GenError("%s has no field %s to exclude" % (name, f))
        for f, why in excluded.items():
            props[f] = forbidden(f, why)
        if name in self.def_patches:
            d = merge_patch(d, self.def_patches[name], "$defs/" + name)
        self.def_cache[name] = d
        return copy.deepcopy(d)

    # --- kinds -----------------------------------------------------------

    def kind_schema(self, kind):
        edge, node_name, _ = KINDS[kind]
        node_fields = {f["name"]: f["type"]
                       for f in self.spec(node_name)["fields"]}
        excluded = EXCLUDED[kind]
        props = {}
        spec_required = []
        params = self.create_params(kind)
        names = {p["name"] for p in params}
        for f in excluded:
            if f not in names:
                raise GenError("POST /act_{id}/%s has no parameter %s to "
                               "exclude" % (edge, f))
        for p in sorted(params, key=lambda p: p["name"]):
            name, tstr = p["name"], p["type"]
            if name in excluded:
                continue
            if p.get("required"):
                spec_required.append(name)
            # A generic container in the edge spec: use the node's struct
            # type when it has one.
            nt = node_fields.get(name)
            if tstr in GENERIC_TYPES and nt is not None and nt != tstr:
                inner = parse_type(nt)
                while inner[0] != "name":
                    inner = inner[1] if inner[0] == "list" else inner[2]
                if self.is_struct(inner[1]):
                    tstr = nt
            s = self.field_schema(name, tstr)
            if s is None:
                s = {}  # node-typed (e.g. ad.creative): curated defines it
                s["x-needs-curation"] = True
            s["description"] = self.describe(
                kind + "." + name,
                "`%s` (%s): parameter of POST /act_{id}/%s." %
                (name, p["type"], edge))
            props[name] = s
        root = {
            "$schema": SCHEMA_DIALECT,
            "$id": ID_BASE + kind + ".schema.json",
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }
        for f, why in excluded.items():
            props[f] = forbidden(f, why)
        root = merge_patch(root, self.curated[kind], kind)
        missing = [r for r in spec_required
                   if r not in root.get("required", [])]
        if missing:
            raise GenError("%s: spec-required parameters %s are not in the "
                           "curated required list" % (kind, missing))
        for name, s in root["properties"].items():
            if s.get("x-needs-curation") and any(w in s for w in
                                                 SCHEMA_WORDS):
                del s["x-needs-curation"]
            elif s.get("x-needs-curation"):
                raise GenError("%s.%s has a node type; curate its manifest "
                               "form in schemas/curated/%s.json" %
                               (kind, name, kind))
        return self.with_defs(root)

    def with_defs(self, root):
        """Adds to root every $defs entry its local $refs reach."""
        defs = root.pop("$defs", {})
        todo = sorted(local_refs(root) | local_refs(defs))
        while todo:
            name = todo.pop()
            if name in defs:
                continue
            if self.is_struct(name):
                d = self.struct_def(name)
            elif name in self.def_patches and not self.spec(name):
                d = copy.deepcopy(self.def_patches[name])
            else:
                raise GenError("$ref to unknown type %s" % name)
            defs[name] = d
            todo.extend(sorted(local_refs(d) - set(defs)))
        if defs:
            root["$defs"] = defs
        return root

    def plain_schema(self, name):
        """project and resources: adsctl-native, curated in full."""
        root = {"$schema": SCHEMA_DIALECT, "$id": ID_BASE + name +
                ".schema.json"}
        root.update(copy.deepcopy(self.curated[name]))
        return self.with_defs(root)

    def generate(self):
        out = {}
        for kind in KINDS:
            out[kind + ".schema.json"] = self.kind_schema(kind)
        resources = self.plain_schema("resources")
        for kind, (_, _, section) in KINDS.items():
            if section and section not in resources["properties"]:
                raise GenError("resources.schema.json lacks %s" % section)
        out["resources.schema.json"] = resources
        out["project.schema.json"] = self.plain_schema("project")
        unused = sorted(set(self.desc) - self.desc_used)
        if unused:
            raise GenError("descriptions.json entries match no generated "
                           "property: %s" % ", ".join(unused))
        for name, s in out.items():
            check_schema(s, name)
            strip_sources(s)
            editor_messages(s)
        return out


def forbidden(field, why):
    """A field a manifest may not carry, with the reason as its message.
    Every value fails (null fails the not), so the reason reaches users
    instead of a bare "unknown field"; editors do not offer the field."""
    msg = "'%s' is not part of a manifest: %s" % (field, why)
    return {
        "type": "null",
        "not": {"type": "null"},
        "description": "Not written in manifests: %s." % why,
        "doNotSuggest": True,
        "x-message": msg,
    }


def local_refs(node):
    refs = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                refs.add(v[len("#/$defs/"):])
            elif k != "$defs":
                refs |= local_refs(v)
    elif isinstance(node, list):
        for v in node:
            refs |= local_refs(v)
    return refs


SCHEMA_WORDS = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")


def merge_patch(target, patch, where):
    """RFC 7386 merge, checked: new properties must be full schemas and a
    curated enum must be a subset of the generated one."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        here = where + "/" + k
        if v is None:
            if k not in out:
                raise GenError("%s: patch deletes a missing key" % here)
            del out[k]
            continue
        if k == "enum" and "enum" in target:
            extra = [x for x in v if x not in target["enum"]]
            if extra:
                raise GenError("%s: curated values %s are not in the spec "
                               "enum" % (here, extra))
        if where.endswith("/properties") and k not in target:
            if not isinstance(v, dict) or not any(w in v for w in
                                                  SCHEMA_WORDS):
                raise GenError("%s: patch for a property the spec does not "
                               "have (typo?)" % here)
        out[k] = merge_patch(out.get(k), v, here)
    return out


def check_schema(node, where, path=""):
    """Every property carries a description; no curation markers remain."""
    if isinstance(node, dict):
        if "x-needs-curation" in node:
            raise GenError("%s%s: uncurated node type" % (where, path))
        props = node.get("properties")
        if isinstance(props, dict):
            for k, v in props.items():
                if isinstance(v, dict) and "description" not in v:
                    raise GenError("%s%s/properties/%s has no description"
                                   % (where, path, k))
        for k, v in node.items():
            if k not in ("if", "then", "else", "not"):  # conditions only
                check_schema(v, where, path + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_schema(v, where, "%s/%d" % (path, i))


def strip_sources(node):
    """Curated patches cite the API docs in "x-source" (JSON has no
    comments); the citations stay in schemas/curated/, not in the output."""
    if isinstance(node, dict):
        node.pop("x-source", None)
        for v in node.values():
            strip_sources(v)
    elif isinstance(node, list):
        for v in node:
            strip_sources(v)


def editor_messages(node):
    """yaml-language-server shows a schema's errorMessage instead of its own
    wording; give it the x-message that adsctl validate shows, on the node
    and on the inline subschemas of its combinators and conditionals."""
    if isinstance(node, dict):
        if "x-message" in node:
            spread_message(node, node["x-message"])
        for v in node.values():
            editor_messages(v)
    elif isinstance(node, list):
        for v in node:
            editor_messages(v)


def spread_message(node, msg):
    node.setdefault("errorMessage", msg)
    subs = list(node.get("anyOf", [])) + list(node.get("oneOf", []))
    subs += list(node.get("allOf", []))
    subs += [node[k] for k in ("then", "else", "not") if k in node]
    for sub in subs:
        if isinstance(sub, dict) and "$ref" not in sub \
                and "x-message" not in sub:
            spread_message(sub, msg)


def dump(schema):
    return json.dumps(schema, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--specs", default=os.path.join(
        root, "..", "shared", "graph-api-specs"),
        help="graph-api-specs directory (holding specs/)")
    ap.add_argument("--curated", default=os.path.join(root, "schemas",
                                                      "curated"))
    ap.add_argument("--out", default=os.path.join(root, "schemas"))
    args = ap.parse_args(argv)
    specs = args.specs
    if os.path.isdir(os.path.join(specs, "specs")):
        specs = os.path.join(specs, "specs")
    if not os.path.exists(os.path.join(specs, "AdAccount.json")):
        print("gen-schemas: no Graph API specs in %s" % args.specs,
              file=sys.stderr)
        return 2
    try:
        out = Generator(specs, args.curated).generate()
    except (GenError, OSError, ValueError) as e:
        print("gen-schemas: %s" % e, file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    for name, schema in sorted(out.items()):
        path = os.path.join(args.out, name)
        text = dump(schema)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except FileNotFoundError:
            pass
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
