"""The report's first screen in Chromium: is the whole answer visible without scrolling?

Writes the report of a store (default: the main job's, ``edgepareto-results/results.sqlite``) into a
temporary folder, takes a 1400x900 headless Chromium screenshot of it (fresh profile, the flags the
tests use) and looks for the two rules that enclose the answer section (its top and bottom border,
#1f5fa8, drawn at least half the page wide): both on the first screen means the whole answer is
shown without scrolling. Saves the PNG as benchmarks/results/<host>/NAME_<date>.png beside its .json and .md.

    .venv/bin/python benchmarks/report_first_screen.py [--store PATH] [--name report_first_screen]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import result_stem, write_results

WIDTH, HEIGHT = 1400, 900
BORDER = (0x1F, 0x5F, 0xA8)  # report/_layout.py: .answer{border-top/bottom: 4px solid #1f5fa8}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]  # fmt: skip


def rules(png: Path) -> list[int]:
    """The y of each horizontal rule of the answer's colour at least half the screenshot wide."""
    a = np.asarray(Image.open(png).convert("RGB")).astype(int)
    hit = (np.abs(a - np.array(BORDER)).sum(axis=2) < 30).sum(axis=1) > a.shape[1] // 2
    return [int(y) for y in np.flatnonzero(hit) if y == 0 or not hit[y - 1]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=Path("edgepareto-results/results.sqlite"))
    ap.add_argument("--name", default="report_first_screen")
    ap.add_argument("--about", default="", help="one line on what the store holds, written into NAME.md")
    args = ap.parse_args()
    if shutil.which("chromium") is None:
        sys.exit("chromium not found; install it with `apt-get install -y chromium` (Debian's package)")
    from edgepareto.report import write_report
    from edgepareto.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="edgepareto-screen-"))
    with Store(args.store) as store:
        doc = write_report(store, tmp / "report")
    shot = result_stem(args.name).with_suffix(".png")
    cmd = [
        "chromium",
        *FLAGS,
        f"--user-data-dir={tmp / 'profile'}",
        f"--window-size={WIDTH},{HEIGHT}",
        f"--screenshot={shot}",
        Path(doc["html"]).as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120, check=True)
    ys = rules(shot)
    devices = [d["device"] for d in doc["answer"]["devices"]]
    shown = len(ys) >= 2
    md = "\n".join(
        [
            f"# The report's first screen ({WIDTH}x{HEIGHT}, headless Chromium)",
            "",
            f"![first screen]({shot.name})",
            "",
            f"- store: `{args.store}`{f' ({args.about})' if args.about else ''}; devices in the answer: "
            f"{', '.join(devices)}",
            f"- the answer's rules at y = {ys} px: whole answer on the first screen: **{'yes' if shown else 'NO'}**",
            f"- finding: {doc['answer']['finding']}",
            "- a screenshot, not a timing: the machine may have been shared with other jobs while it was taken",
        ]
    )
    write_results(
        args.name,
        {
            "rules_y": ys,
            "answer_on_first_screen": shown,
            "devices": devices,
            "window": [WIDTH, HEIGHT],
            "chromium": cmd[:-2],
        },
        md,
    )
    shutil.rmtree(tmp, ignore_errors=True)
    print(md)


if __name__ == "__main__":
    main()
