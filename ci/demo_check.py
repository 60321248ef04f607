"""Checks the outputs of ci/demo's gate at commit B: python3 ci/demo_check.py OUT_DIR EXIT_STATUS."""
import json
import subprocess
import sys

import junitparser

out, status = sys.argv[1], int(sys.argv[2])
problems = []
if status != 1:
    problems.append(f"gate exited {status}, expected 1")
report = json.load(open(f"{out}/report.json"))
verdicts = {s["name"]: s for s in report["services"]}
py, node = verdicts.get("orders-py"), verdicts.get("catalog-node")
if not py or py["verdict"] != "regression":
    problems.append(f"orders-py: expected a regression, got {py and py['verdict']}")
elif "checksum" not in py["report"]["comparisons"][0]["root_causes"]:
    problems.append(f"orders-py: checksum is not a root cause: {py['report']['comparisons'][0]['root_causes']}")
if not node or node["verdict"] != "pass":
    reason = node and (node.get("error") or node["report"]["comparisons"][0]["root_causes"])
    problems.append(f"catalog-node: expected pass, got {node and node['verdict']} ({reason})")
for s in report["services"]:
    if not s["load"] or s["load"]["requests"] == 0:
        problems.append(f"{s['name']}: no load statistics")
suites = [s.name for s in junitparser.JUnitXml.fromfile(f"{out}/junit.xml")]
if len(suites) != 2:
    problems.append(f"junit.xml has {len(suites)} testsuites: {suites}")
markdown = open(f"{out}/report.md").read()
for needed in ("### orders-py", "### catalog-node", "checksum", "req/s"):
    if needed not in markdown:
        problems.append(f"report.md lacks {needed!r}")
for name in ("orders-py", "catalog-node"):
    if subprocess.run(["xmllint", "--noout", f"{out}/{name}.diff.svg"]).returncode != 0:
        problems.append(f"{name}.diff.svg is not well-formed XML")
for s in report["services"]:
    load = s["load"] or {}
    print(f"  {s['name']}: {s['verdict']}, {load.get('requests_per_second', 0):.0f} req/s, p99 {load.get('p99_ms', 0):.1f} ms")
if problems:
    for p in problems:
        print("demo: FAILED — " + p, file=sys.stderr)
    sys.exit(1)
