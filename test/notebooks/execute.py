"""Execute a notebook with nbclient and write it back with its outputs, even when a cell fails.

Usage: /usr/bin/python3 execute.py IN.ipynb OUT.ipynb --kernel NAME --timeout SECONDS --cwd DIR
Prints one JSON line: {"ok": bool, "failed_cell": int|null, "error": str|null}.

nbconvert --execute writes nothing when a cell fails, and --allow-errors makes tslab skip every later
cell (it cancels requests for 200 ms after an error), so the harness stops at the first failure
and keeps the outputs so far.
"""
import argparse
import json

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("out")
ap.add_argument("--kernel", required=True)
ap.add_argument("--timeout", type=int, default=120)
ap.add_argument("--cwd", required=True)
args = ap.parse_args()

nb = nbformat.read(args.src, as_version=4)
state = {"cell": None}


def on_cell_start(cell, cell_index):
    state["cell"] = cell_index


client = NotebookClient(
    nb,
    kernel_name=args.kernel,
    timeout=args.timeout,
    startup_timeout=120,
    resources={"metadata": {"path": args.cwd}},
    on_cell_start=on_cell_start,
)
result = {"ok": True, "failed_cell": None, "error": None}
try:
    client.execute()
except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
    result = {"ok": False, "failed_cell": state["cell"], "error": type(e).__name__ + ": " + str(e).strip()[-2000:]}
nbformat.write(nb, args.out)
print(json.dumps(result))
