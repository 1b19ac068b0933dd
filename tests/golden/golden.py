#!/usr/bin/env python3
"""Golden test of plan output: one scenario folder, three formats.

    golden.py SCENARIO_DIR

A scenario folder holds:
  scenario.json   what to set up and run (all members optional):
                    "base":    a project of tests/golden/projects/ (or
                               examples/NAME), copied
                               as project/ and, unless "apply" is false, as
                               before/;
                    "changes", "before_changes": edits of the copies,
                               [[file, old text, new text], ...];
                    before/:   when present, the project applied first
                               (planned and executed step by step by
                               ads-plan-exec);
                    "graph":   Graph calls made after "before", e.g. objects
                               made by hand in Ads Manager:
                               [{"method", "path", "params"}], "{id:ADDR}"
                               in a path or string value is the id of the
                               object labelled ADDR (or a previous call's
                               "name");
                    "edits":   edits through POST /_emulator/edit:
                               [{"address" | "id", "fields"}];
                    "args":    more plan arguments (["--target", "x"]);
                    "git":     true: project/ is a git repository whose
                               HEAD is the project before "changes";
                    "command": "plan" (default) or "drift";
                    "exit":    the expected exit code (default 0).
  project/, before/   projects (adsctl.yaml and their files);
  expected.txt, expected.md, expected.json, expected.stderr
                  the expectations, per format (stderr of the text run).

The live state is seeded through the emulator's Graph API; the plan runs
with --emulator on the saved state, so the live fetch is exercised. Ids,
times and fingerprint digests are normalised. NO_COLOR=1 TZ=UTC.
ADS_UPDATE_GOLDEN=1 rewrites the expectations; a missing expectation is
written and the test fails. JSON output is also validated against
schemas/plan.schema.json by ads-schema-check (our own validator).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ADSCTL = os.environ["ADSCTL"]
PLAN_EXEC = os.environ["ADS_PLAN_EXEC"]
SCHEMA_CHECK = os.environ["ADS_SCHEMA_CHECK"]
UPDATE = os.environ.get("ADS_UPDATE_GOLDEN") == "1"
TOKEN = "golden-token"
FORMATS = [("text", "expected.txt"), ("markdown", "expected.md"),
           ("json", "expected.json")]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def env():
    e = dict(os.environ)
    e.update({"NO_COLOR": "1", "TZ": "UTC", "ADSCTL_ACCESS_TOKEN": TOKEN,
              "LC_ALL": "C", "COLUMNS": "80"})
    e.pop("ADSCTL_API_URL", None)
    return e


class Emulator:
    def __init__(self, data):
        self.out = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [ADSCTL, "emulator", "--port", "0", "--data", data],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise SystemExit("emulator did not start: %r %s" %
                             (line, self.proc.stderr.read().decode()))
        self.url = line

    def call(self, method, path, params=None, admin=False):
        params = dict(params or {})
        if not admin:
            params["access_token"] = TOKEN
        data = None
        url = self.url + ("/" if admin else "/v25.0/") + path
        if admin:
            data = json.dumps(params).encode()
        elif method == "GET":
            url += "?" + urllib.parse.urlencode(params)
        else:
            data = urllib.parse.urlencode(
                {k: v if isinstance(v, str) else json.dumps(v)
                 for k, v in params.items()}).encode()
        req = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(req) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise SystemExit("%s %s failed: %s" % (method, path,
                                                   e.read().decode()))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        if self.proc.returncode:
            raise SystemExit("emulator exited with %d: %s" %
                             (self.proc.returncode,
                              self.proc.stderr.read().decode()))


def ids_by_address(emu, stack):
    """Maps each labelled or marked object's address to its id."""
    state = emu.call("GET", "_emulator/state", admin=True)
    out = {}
    for o in state["objects"]:
        f = o.get("fields", {})
        for label in f.get("adlabels", []) or []:
            name = label.get("name", "")
            prefix = "adsctl:%s:" % stack
            if name.startswith(prefix) and "@" not in name:
                out.setdefault(name[len(prefix):], o["id"])
        m = re.search(r"\[adsctl %s:(\S+?)[ \]]" % re.escape(stack),
                      f.get("description", "") or "")
        if m:
            out.setdefault(m.group(1), o["id"])
    return out


def substitute(v, ids):
    if isinstance(v, str):
        return re.sub(r"\{id:([^}]+)\}", lambda m: ids[m.group(1)], v)
    if isinstance(v, list):
        return [substitute(x, ids) for x in v]
    if isinstance(v, dict):
        return {k: substitute(x, ids) for k, x in v.items()}
    return v


def stack_of(project):
    text = open(os.path.join(project, "adsctl.yaml")).read()
    return re.search(r"^stack:\s*(\S+)", text, re.M).group(1)


def run(args, cwd=None):
    return subprocess.run([ADSCTL] + args, capture_output=True, text=True,
                          env=env(), cwd=cwd)


def seed(sc, work, scen):
    data = os.path.join(work, "state.json")
    emu = Emulator(data)
    try:
        before = os.path.join(work, "before")
        if os.path.isdir(before):
            r = run(["plan", "--api-url", emu.url, "--format", "json",
                     before])
            if r.returncode:
                raise SystemExit("plan of before/ failed: " + r.stderr)
            plan = os.path.join(work, "before.plan.json")
            open(plan, "w").write(r.stdout)
            x = subprocess.run([PLAN_EXEC, plan, before, emu.url, TOKEN],
                               capture_output=True, text=True, env=env())
            if x.returncode:
                raise SystemExit("ads-plan-exec failed: " + x.stderr)
        project = os.path.join(work, "project")
        stack = stack_of(project)
        ids = ids_by_address(emu, stack)
        for call in scen.get("graph", []):
            res = emu.call(call.get("method", "POST"),
                           substitute(call["path"], ids),
                           substitute(call.get("params", {}), ids))
            if "name" in call and isinstance(res, dict) and "id" in res:
                ids[call["name"]] = res["id"]
        for edit in scen.get("edits", []):
            oid = edit.get("id") or ids[edit["address"]]
            emu.call("POST", "_emulator/edit",
                     {"id": substitute(oid, ids),
                      "fields": substitute(edit["fields"], ids)},
                     admin=True)
    finally:
        emu.stop()
    return data


def git_commit(root):
    def git(*args):
        subprocess.run(["git", "-C", root] + list(args), check=True,
                       capture_output=True,
                       env=dict(env(), GIT_AUTHOR_DATE="2027-01-01T00:00:00Z",
                                GIT_COMMITTER_DATE="2027-01-01T00:00:00Z"))
    git("init", "-q", "-b", "main")
    git("-c", "user.name=golden", "-c", "user.email=golden@example.com",
        "add", "-A")
    git("-c", "user.name=golden", "-c", "user.email=golden@example.com",
        "commit", "-q", "-m", "the applied manifests")


def edit_files(root, changes):
    for path, old, new in changes:
        f = os.path.join(root, path)
        text = open(f).read()
        if old not in text:
            raise SystemExit("scenario change: %r is not in %s" % (old, path))
        open(f, "w").write(text.replace(old, new, 1))


def normalise(text, work):
    text = text.replace(work, "<dir>")
    ids = {}

    def id_repl(m):
        return ids.setdefault(m.group(0), "<id%d>" % (len(ids) + 1))
    # Graph ids (emulator ids are 15+ digits); act_ ids stay
    text = re.sub(r"(?<![\w.])(?<!act_)\d{15,}(?![\w.])", id_repl, text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", "<time>", text)
    text = re.sub(r"commit [0-9a-f]{7}\b", "commit <commit>", text)
    text = re.sub(r'("commit": ")[0-9a-f]{40}(")', r"\1<commit>\2", text)
    text = re.sub(r'("digest": ")[0-9a-f]{16}(")', r"\1<fp>\2", text)
    return text


def compare(scen_dir, name, got):
    path = os.path.join(scen_dir, name)
    if UPDATE or not os.path.exists(path):
        missing = not os.path.exists(path)
        open(path, "w").write(got)
        if missing and not UPDATE:
            fail("%s was missing: written, review and commit it" % name)
        return
    want = open(path).read()
    if want != got:
        import difflib
        diff = "".join(difflib.unified_diff(
            want.splitlines(True), got.splitlines(True),
            "expected/" + name, "got/" + name))
        fail("%s differs:\n%s" % (name, diff))


def main():
    scen_dir = os.path.abspath(sys.argv[1])
    scen = json.load(open(os.path.join(scen_dir, "scenario.json")))
    work = tempfile.mkdtemp(prefix="adsctl-golden.")
    try:
        if "base" in scen:
            base = scen["base"]
            base = (os.path.join(HERE, "..", "..", base)
                    if base.startswith("examples/")
                    else os.path.join(HERE, "projects", base))
            shutil.copytree(base, os.path.join(work, "project"))
            if scen.get("apply", True):
                shutil.copytree(base, os.path.join(work, "before"))
        for d in os.listdir(scen_dir):
            if os.path.isdir(os.path.join(scen_dir, d)):
                shutil.copytree(os.path.join(scen_dir, d),
                                os.path.join(work, d), dirs_exist_ok=True)
        if scen.get("git"):
            git_commit(os.path.join(work, "project"))
        edit_files(os.path.join(work, "project"), scen.get("changes", []))
        edit_files(os.path.join(work, "before"),
                   scen.get("before_changes", []))
        data = seed(scen_dir, work, scen)
        project = os.path.join(work, "project")
        os.makedirs(os.path.join(project, ".adsctl"), exist_ok=True)
        want_exit = scen.get("exit", 0)
        command = scen.get("command", "plan")
        for fmt, expect in FORMATS:
            shutil.copy(data, os.path.join(project, ".adsctl",
                                           "emulator.json"))
            args = [command, "--emulator", "--format", fmt, project]
            args += scen.get("args", [])
            r = run(args)
            if r.returncode != want_exit:
                fail("%s --format %s exited %d, expected %d; stderr:\n%s"
                     % (command, fmt, r.returncode, want_exit, r.stderr))
            compare(scen_dir, expect, normalise(r.stdout, work))
            if fmt == "text":
                compare(scen_dir, "expected.stderr",
                        normalise(r.stderr, work))
            if fmt == "json" and r.stdout.strip():
                out = os.path.join(work, "out.json")
                open(out, "w").write(r.stdout)
                c = subprocess.run([SCHEMA_CHECK, out], capture_output=True,
                                   text=True)
                if c.returncode:
                    fail("JSON output does not match plan.schema.json:\n"
                         + c.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
