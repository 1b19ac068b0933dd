#!/usr/bin/env python3
"""Checks of schemas/ and examples/ (registered by CMakeLists.txt here).

    check.py generated    schemas/*.json are what contrib/gen-schemas.py
                          makes of ../shared/graph-api-specs (skip: 77 when
                          the specs are not there, as in bare CI clones)
    check.py wellformed   every schema parses and is draft 2020-12 with the
                          right $id; every example is consistent: top-level
                          keys known to the schemas, includes matching every
                          resource file, modelines pointing at the right
                          schema, local files present, CSV headers matching
                          `columns`
    check.py examples     `adsctl validate` accepts every example with no
                          error and no warning (skip: 77 when ADSCTL, the
                          built binary, is not set)

Stdlib only; YAML is not parsed in full (validation is adsctl's job), only
scanned for the few things checked here.
"""

import difflib
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77
SRC = os.environ.get("ADS_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("ADS_SHARED_DIR") or os.path.join(SRC, "..",
                                                          "shared")
SCHEMAS = os.path.join(SRC, "schemas")
EXAMPLES = os.path.join(SRC, "examples")
# Schemas written by hand, not by contrib/gen-schemas.py (the plan
# document, docs/plan-format.md): the generator check leaves them alone.
HAND_WRITTEN = {"plan.schema.json"}
DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def check_generated():
    specs = os.path.join(SHARED, "graph-api-specs")
    if not os.path.exists(os.path.join(specs, "specs", "AdAccount.json")):
        print("SKIP: no Graph API specs at %s (the generator check needs "
              "../shared/graph-api-specs next to the repository)" % specs)
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable,
                            os.path.join(SRC, "contrib", "gen-schemas.py"),
                            "--specs", specs, "--out", tmp],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("gen-schemas.py failed (%d): %s" % (r.returncode,
                                                     r.stderr.strip()))
            return 1
        want = sorted(os.listdir(tmp))
        have = sorted(f for f in os.listdir(SCHEMAS)
                      if f.endswith(".json") and f not in HAND_WRITTEN)
        for f in sorted(set(want) | set(have)):
            if f not in have:
                fail("schemas/%s is generated but not committed" % f)
            elif f not in want:
                fail("schemas/%s is committed but not generated" % f)
            else:
                a = open(os.path.join(SCHEMAS, f), encoding="utf-8").read()
                b = open(os.path.join(tmp, f), encoding="utf-8").read()
                if a != b:
                    diff = difflib.unified_diff(
                        a.splitlines(), b.splitlines(), "schemas/" + f,
                        "generated/" + f, lineterm="", n=1)
                    fail("schemas/%s differs from the generator's output; "
                         "run contrib/gen-schemas.py:\n%s" %
                         (f, "\n".join(list(diff)[:40])))
    return 1 if failures else 0


def load_schemas():
    out = {}
    for path in sorted(glob.glob(os.path.join(SCHEMAS, "*.json"))):
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                s = json.load(f)
        except ValueError as e:
            fail("schemas/%s does not parse: %s" % (name, e))
            continue
        if s.get("$schema") != DIALECT:
            fail("schemas/%s: $schema is not draft 2020-12" % name)
        if s.get("$id") != "https://adsctl.dev/schemas/" + name:
            fail("schemas/%s: $id is %r" % (name, s.get("$id")))
        out[name] = s
    return out


def top_keys(text):
    """Top-level mapping keys of a block-style YAML document."""
    keys = []
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_$-]+)\s*:(\s|$)", line)
        if m:
            keys.append(m.group(1))
    return keys


def yaml_list(text, key):
    """The value of a top-level key that is a string, a flow list or a
    block list of plain scalars."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^%s\s*:\s*(.*?)\s*(#.*)?$" % re.escape(key), line)
        if not m:
            continue
        v = m.group(1)
        if v.startswith("["):
            return [x.strip().strip("'\"") for x in v.strip("[]").split(",")
                    if x.strip()]
        if v:
            return [v.strip("'\"")]
        out = []
        for nxt in lines[i + 1:]:
            mm = re.match(r"^\s+-\s+(.*?)\s*(#.*)?$", nxt)
            if not mm:
                break
            out.append(mm.group(1).strip("'\""))
        return out
    return None


def modeline_target(path, text):
    for line in text.splitlines()[:5]:
        m = MODELINE.match(line)
        if m:
            return os.path.normpath(os.path.join(os.path.dirname(path),
                                                 m.group(1)))
    return None


def check_local_files(path, text, rel):
    base = os.path.dirname(path)
    for m in re.finditer(r"\bfile:\s*[\"']?([^\"',}\s]+)", text):
        target = os.path.join(base, m.group(1))
        if not os.path.isfile(target):
            fail("%s: file %s does not exist" % (rel, m.group(1)))
    # members: { file: F, columns: [...] }, flow or block style
    for m in re.finditer(r"\bfile:\s*[\"']?([^\"',}\s]+)[\"']?\s*(?:,|\n)"
                         r"\s*columns:\s*\[([^\]]*)\]", text):
        csv = os.path.join(base, m.group(1))
        cols = [c.strip() for c in m.group(2).split(",")]
        if os.path.isfile(csv):
            with open(csv, encoding="utf-8") as f:
                header = f.readline().strip().split(",")
            if header != cols:
                fail("%s: columns %s do not match the header of %s (%s)" %
                     (rel, cols, m.group(1), header))


def check_wellformed():
    schemas = load_schemas()
    for need in ("project.schema.json", "resources.schema.json"):
        if need not in schemas:
            fail("schemas/%s is missing" % need)
            return 1
    project_keys = set(schemas["project.schema.json"]["properties"])
    resource_keys = set(schemas["resources.schema.json"]["properties"])
    examples = sorted(d for d in glob.glob(os.path.join(EXAMPLES, "*"))
                      if os.path.isdir(d))
    if not examples:
        fail("examples/ has no example projects")
    stacks = {}
    for ex in examples:
        name = os.path.basename(ex)
        proj = os.path.join(ex, "adsctl.yaml")
        if not os.path.isfile(proj):
            fail("examples/%s has no adsctl.yaml" % name)
            continue
        if not os.path.isfile(os.path.join(ex, "README.md")):
            fail("examples/%s has no README.md" % name)
        text = open(proj, encoding="utf-8").read()
        rel = "examples/%s/adsctl.yaml" % name
        for k in top_keys(text):
            if k not in project_keys:
                fail("%s: top-level key %s is not in project.schema.json" %
                     (rel, k))
        if modeline_target(proj, text) != os.path.join(
                SCHEMAS, "project.schema.json"):
            fail("%s: no modeline pointing at schemas/project.schema.json"
                 % rel)
        stack = (yaml_list(text, "stack") or [None])[0]
        if stack in stacks:
            fail("%s: stack %s is also used by examples/%s" %
                 (rel, stack, stacks[stack]))
        stacks[stack] = name
        check_local_files(proj, text, rel)
        included = set()
        for pattern in yaml_list(text, "include") or []:
            matched = glob.glob(os.path.join(ex, pattern))
            if not matched:
                fail("%s: include %s matches no file" % (rel, pattern))
            included |= {os.path.normpath(p) for p in matched}
        resource_files = {os.path.normpath(p) for p in
                          glob.glob(os.path.join(ex, "**", "*.yaml"),
                                    recursive=True)} - {proj}
        for p in sorted(resource_files - included):
            fail("examples/%s/%s is not matched by any include" %
                 (name, os.path.relpath(p, ex)))
        for p in sorted(included):
            rrel = "examples/%s/%s" % (name, os.path.relpath(p, ex))
            rtext = open(p, encoding="utf-8").read()
            keys = top_keys(rtext)
            if not keys:
                fail("%s declares nothing" % rrel)
            for k in keys:
                if k not in resource_keys:
                    fail("%s: top-level key %s is not in "
                         "resources.schema.json" % (rrel, k))
            if modeline_target(p, rtext) != os.path.join(
                    SCHEMAS, "resources.schema.json"):
                fail("%s: no modeline pointing at "
                     "schemas/resources.schema.json" % rrel)
            check_local_files(p, rtext, rrel)
    if not failures:
        print("ok: %d schemas, %d examples" % (len(schemas), len(examples)))
    return 1 if failures else 0


def check_examples():
    adsctl = os.environ.get("ADSCTL")
    if not adsctl or not os.path.exists(adsctl):
        print("SKIP: ADSCTL (the built binary) is not set")
        return SKIP
    examples = sorted(d for d in glob.glob(os.path.join(EXAMPLES, "*"))
                      if os.path.isdir(d))
    for ex in examples:
        r = subprocess.run([adsctl, "validate", ex], capture_output=True,
                           text=True)
        if r.returncode == 64 and "not an adsctl command" in r.stderr:
            print("SKIP: adsctl has no validate command yet")
            return SKIP
        out = (r.stdout + r.stderr).strip()
        name = os.path.basename(ex)
        if r.returncode != 0:
            fail("adsctl validate examples/%s exited %d:\n%s" %
                 (name, r.returncode, out))
        elif re.search(r"\bwarning\b", out, re.I):
            fail("adsctl validate examples/%s warns:\n%s" % (name, out))
        else:
            print("ok: examples/%s" % name)
    return 1 if failures else 0


def main(argv):
    checks = {"generated": check_generated, "wellformed": check_wellformed,
              "examples": check_examples}
    if len(argv) != 1 or argv[0] not in checks:
        print("usage: check.py generated|wellformed|examples",
              file=sys.stderr)
        return 64
    return checks[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
