"""Build benchmarks: throughput and memory by archive size, cost per stage, the jieba floor,
one worker against two, and an incremental rebuild. Prints figures (markdown), asserts nothing.

    .venv/bin/python bench/bench_build.py              # 10, 100 and 1,000 pages, ~10 minutes at most
    .venv/bin/python bench/bench_build.py --big        # adds 10,000 pages and lifts the time budget
    .venv/bin/python bench/bench_build.py --at HEAD    # a commit, safe from edits made during the run

Archives come from bench/generate_archive.py (same seed → same pages) and go to bench/out/
(git-ignored) with the build outputs. Each build runs `gonghui build` in a subprocess, so its
time includes starting Python and loading the lexicons, as a user sees it; its peak memory is the
largest process's maximum RSS (from wait4) and the sampled sum over the process and its children.
The scale series uses `--workers 1 --no-cache` so that figures compare across sizes and with the
jieba floor. The stage costs run the library functions in this process on one archive.

The run keeps to a time budget (`--budget`, seconds): before each step it predicts the step's
time from the pages/s measured so far and skips the step, saying so, if it would not fit.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_archive import generate

OUT = HERE / "out" / "build"          # everything this script writes (git-ignored)
GONGHUI = "import sys; from gonghui.cli import main; sys.argv[0] = 'gonghui'; main()"


# ---------------------------------------------------------------- running one build

@dataclass
class Run:
    seconds: float
    cpu_seconds: float         # user + system time of the build and its workers (wait4)
    max_rss_mb: float          # the largest single process (wait4)
    tree_peak_mb: float        # PSS of the build process plus its workers, sampled every 0.1 s
    status: str                # "ok", "exit N", "timed out"
    log: str                   # the tail of stderr/stdout when it did not succeed


def _tree_pss_kb(root: int) -> int:
    """Memory of a process and all its descendants, from /proc. PSS, not RSS: forked workers
    share the parent's pages, and summing RSS would count those once per worker."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(name) as fh:
                    kb = next((int(l.split()[1]) for l in fh if l.startswith(field)), None)
            except OSError:
                kb = None
            if kb is not None:
                total += kb
                break
    return total


def run_build(pages: Path, out: Path, workers: int | None, cache: bool, timeout: float) -> Run:
    args = [sys.executable, "-c", GONGHUI, "build", "--seeds", str(pages), "--out", str(out), "--quiet"]
    if workers is not None:
        args += ["--workers", str(workers)]
    if not cache:
        args.append("--no-cache")
    log = out.parent / f"{out.name}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        start = time.perf_counter()
        # a session of its own, so that a timeout ends the build and its worker processes together
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_pss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, 9))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:                     # Ctrl-C: do not leave the build running
            os.killpg(proc.pid, 9)
            raise
        seconds = time.perf_counter() - start
        timer.cancel()
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode == 0:
        state, tail = "ok", ""
    else:
        state = "timed out" if proc.returncode < 0 else f"exit {proc.returncode}"
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-8:])
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1024, state, tail)


# ---------------------------------------------------------------- in-process measurements

def jieba_floor(paths: list[Path]) -> tuple[float, int]:
    """(seconds, characters): the normalised text of the pages through bare `jieba.lcut`."""
    import jieba

    from gonghui.convert.read import read_page

    texts = [read_page(p).text for p in paths]
    jieba.initialize()                          # loading the dictionary is not part of the floor
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return time.perf_counter() - start, sum(map(len, texts))


# Where the build spends its time: (module, class or None, function, stage). The functions are
# wrapped while one in-process build runs; each stage gets the time spent in its functions minus
# the time spent in functions of other stages called from them (read_page inside convert_page …).
STAGE_HOOKS = [
    ("gonghui.convert", None, "read_page", "read"),
    ("gonghui.convert", None, "segment", "segment"),
    ("gonghui.convert", None, "extract", "extract"),
    ("gonghui.publish.dataset", None, "add_page", "resolve"),
    ("gonghui.publish.dataset", None, "add_parents", "resolve"),
    ("gonghui.rdf.mapping", "PageNames", "of", "resolve"),
    ("gonghui.publish.cache", "PageSummary", "of", "resolve"),
    ("gonghui.rdf.mapping", "Mapper", "__init__", "map"),
    ("gonghui.rdf.mapping", "Mapper", "build_graph", "map"),
    ("gonghui.rdf.mapping", "Mapper", "entities_graph", "map"),
    ("gonghui.rdf.mapping", "Mapper", "page_refs", "map"),
    ("gonghui.publish.graphs", None, "page_graph", "map"),
    ("gonghui.publish.graphs", None, "check", "validate"),
    ("gonghui.publish.graphs", None, "render", "write"),
    ("gonghui.publish.dumps", "Writer", "add", "write"),
    ("gonghui.publish.dumps", "Writer", "close", "write"),
    ("gonghui.publish.dataset", None, "void", "write"),
    ("gonghui.publish.cache", "Cache", "store_page", "cache"),
    ("gonghui.publish.cache", "Cache", "load_page", "cache"),
    ("gonghui.publish.cache", "Cache", "load_summary", "cache"),
    ("gonghui.publish.cache", "Cache", "store_chunk", "cache"),
    ("gonghui.publish.cache", "Cache", "load_chunk", "cache"),
]
STAGES = ["read", "segment", "extract", "resolve", "map", "validate", "write", "cache"]


def stage_costs(pages: Path, out: Path) -> tuple[dict[str, float], list[str]]:
    """Seconds per stage of one `gonghui.publish.build` of the pages in this process (one worker,
    nothing reused from a cache), and the hooks that no longer exist in the code."""
    import importlib
    import tempfile

    from gonghui import convert, publish

    cost = dict.fromkeys(STAGES + ["total"], 0.0)
    stack: list[list[float]] = []          # per active call: [time spent in nested hooked calls]

    def hooked(fn, stage):
        def wrapper(*args, **kwargs):
            stack.append([0.0])
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                nested = stack.pop()[0]
                cost[stage] += spent - nested
                if stack:
                    stack[-1][0] += spent
        return wrapper

    patched, missing = [], []
    for module, cls, name, stage in STAGE_HOOKS:
        owner = importlib.import_module(module)
        owner = getattr(owner, cls, None) if cls else owner
        fn = getattr(owner, name, None) if owner is not None else None
        if fn is None:
            missing.append(f"{module}.{cls + '.' if cls else ''}{name}")
            continue
        setattr(owner, name, hooked(fn, stage))
        patched.append((owner, name, fn))
    convert.warm_up()                      # jieba and the lexicons load before the clock starts
    from gonghui.rdf.shacl import compiled_shapes
    compiled_shapes()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cache-", dir=OUT) as cache_dir:
            start = time.perf_counter()
            ok = publish.build(pages, out, workers=1, cache=False, cache_dir=Path(cache_dir))
            cost["total"] = time.perf_counter() - start
    finally:
        for owner, name, fn in patched:
            setattr(owner, name, fn)
    cost["other"] = cost["total"] - sum(cost[s] for s in STAGES)
    cost["ok"] = ok
    return cost, missing


# ---------------------------------------------------------------- helpers

def archive(n: int, seed: int) -> Path:
    """A fresh archive of n pages (regenerated each run: cheap, and never stale)."""
    folder = OUT / f"pages-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    generate(n, folder, seed)
    return folder


def pages_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.txt"))


def digest(folder: Path) -> str:
    """One hash over the published files, to tell whether two builds wrote the same bytes."""
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")), 0)
    import jieba

    return (f"{os.cpu_count()} cores ({cpu}), {mem / 2**20:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, jieba {jieba.__version__}")


def code_origin(rev: str | None) -> str:
    """Which code is measured: a commit exported by --at, or the working tree and its state."""
    import gonghui

    if rev:
        return f"gonghui {gonghui.__version__} at commit {rev} (exported to {Path(gonghui.__file__).parents[1]})"
    git = ["git", "-C", str(HERE.parent)]
    head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip() or "?"
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "src", "shapes"], capture_output=True,
                           text=True, check=False).stdout.strip()
    return (f"gonghui {gonghui.__version__} from {Path(gonghui.__file__).parent} (git {head}"
            f"{', with uncommitted changes in src/' if dirty else ''})")


def export_code(rev: str) -> tuple[str, Path]:
    """`git archive` of src/ and shapes/ at a commit into bench/out/build/code-REV; (full hash, its
    src folder). Measuring an exported commit keeps the figures honest while others edit the
    checkout: the build's cache is keyed by the code, so an edit mid-run would empty it."""
    full = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--verify", rev + "^{commit}"],
                          capture_output=True, text=True, check=False).stdout.strip()
    if not full:
        raise SystemExit(f"bench_build: --at {rev}: no such commit")
    folder = OUT / f"code-{full[:12]}"
    if not (folder / "src" / "gonghui").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", full, "src", "shapes"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return full[:12], folder / "src"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def mb(x: float) -> str:
    return f"{x:,.0f} MB"


class Budget:
    """Seconds left for the run; `fits` says whether a step predicted to take `seconds` still fits."""

    def __init__(self, seconds: float | None):
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def fits(self, seconds: float) -> bool:
        return seconds <= self.left()

    def timeout(self) -> float:
        return min(self.left(), 24 * 3600)


# ---------------------------------------------------------------- the run

def scale_series(sizes, folders, floors, budget, skipped) -> dict[int, Run]:
    """Build each archive with one worker and no cache, smallest first."""
    scale: dict[int, Run] = {}
    rate = None                                   # seconds per page measured so far
    for n in sorted(sizes):
        guess = 5 + 1.2 * n * rate if rate else 0
        if not budget.fits(guess):
            skipped.append(f"{n:,} pages: predicted {guess:,.0f} s, {budget.left():,.0f} s left")
            continue
        run = run_build(folders[n], OUT / f"lod-{n}", workers=1, cache=False, timeout=budget.timeout())
        print(f"built {n:,} pages: {run.seconds:.1f} s, {run.status} (load average {load()})", flush=True)
        if run.status != "ok":
            print(run.log)
        scale[n] = run
        rate = run.seconds / n
    rows = []
    for n, run in scale.items():
        secs, chars = floors[n]
        rows.append([f"{n:,}", f"{run.seconds:,.1f} s", f"{n / run.seconds:,.2f}", f"{chars / run.seconds:,.0f}",
                     mb(run.max_rss_mb), mb(run.tree_peak_mb), f"{secs:,.2f} s",
                     f"{run.seconds / secs:,.1f}×", run.status])
    print("\n## Build throughput (`gonghui build --workers 1 --no-cache`)\n")
    print(table(["pages", "time", "pages/s", "chars/s", "peak RSS", "peak PSS (all)", "jieba.lcut",
                 "build / jieba", "status"], rows), flush=True)
    return scale


def stage_table(n: int, folder: Path, floor: tuple[float, int]) -> dict[str, float]:
    cost, missing = stage_costs(folder, OUT / f"lod-stages-{n}")
    secs, chars = floor
    rows = [[s, f"{cost[s]:,.2f} s", f"{100 * cost[s] / cost['total']:.0f}%", f"{cost[s] / secs:,.2f}×"]
            for s in STAGES + ["other"]]
    rows.append(["**whole build**", f"{cost['total']:,.2f} s", "100%", f"{cost['total'] / secs:,.2f}×"])
    rows.append(["bare `jieba.lcut` (floor)", f"{secs:,.2f} s", "", "1.00×"])
    print(f"\n## Cost per stage ({n:,} pages, {chars:,} characters, one worker, in-process; "
          f"published: {'yes' if cost['ok'] else 'no'})\n")
    print(table(["stage", "time", "share", "÷ jieba"], rows), flush=True)
    if missing:
        print(f"(not found in the code, so not timed: {', '.join(missing)})")
    return cost


def workers_table(n: int, folder: Path, one: Run, budget: Budget) -> tuple[Run, bool]:
    two = run_build(folder, OUT / f"lod-{n}-w2", workers=2, cache=False, timeout=budget.timeout())
    same = two.status == "ok" and digest(OUT / f"lod-{n}") == digest(OUT / f"lod-{n}-w2")
    # CPU time ÷ wall time: how many cores the build actually got (others may be using them)
    rows = [["1", f"{one.seconds:,.1f} s", f"{n / one.seconds:,.2f}", f"{one.cpu_seconds / one.seconds:.2f}",
             mb(one.tree_peak_mb), "", one.status],
            ["2", f"{two.seconds:,.1f} s", f"{n / two.seconds:,.2f}", f"{two.cpu_seconds / two.seconds:.2f}",
             mb(two.tree_peak_mb), f"{one.seconds / two.seconds:,.2f}×", two.status]]
    print(f"\n## Workers ({n:,} pages, `--no-cache`; output byte-identical to one worker: "
          f"{'yes' if same else 'no'})\n")
    print(table(["workers", "time", "pages/s", "cores used", "peak PSS (all)", "speed-up", "status"], rows),
          flush=True)
    one_s, two_s = jieba_in_two(pages_of(folder)[:100])
    print(f"\nFor scale, the machine itself: bare `jieba.lcut` over {min(n, 100)} of these pages takes "
          f"{one_s:.2f} s in one process and {two_s:.2f} s split over two ({one_s / two_s:.2f}×).", flush=True)
    return two, same


def _lcut_all(texts: list[str]) -> int:
    import jieba
    for text in texts:
        jieba.lcut(text)
    return len(texts)


def jieba_in_two(paths: list[Path]) -> tuple[float, float]:
    """Bare jieba over the pages in one process, then split over two: what two cores give at best."""
    import multiprocessing

    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    start = time.perf_counter()
    _lcut_all(texts)
    one = time.perf_counter() - start
    with multiprocessing.get_context("fork").Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_lcut_all, [texts[0::2], texts[1::2]])
        two = time.perf_counter() - start
    return one, two


def incremental_table(folder: Path, n: int, full: Run, budget: Budget) -> Run:
    """A cached build of a copy of the archive, one page changed, the cached rebuild."""
    pages = OUT / f"pages-{n}-incremental"
    shutil.rmtree(pages, ignore_errors=True)
    shutil.copytree(folder, pages)
    out = OUT / f"lod-{n}-incremental"
    warm = run_build(pages, out, workers=1, cache=True, timeout=budget.timeout())
    page = pages_of(pages)[n // 2]
    with open(page, "a", encoding="utf-8") as fh:    # a new closing paragraph on one page
        fh.write("\n会后,与会人员来到职工服务中心,实地察看了职工书屋和母婴室的建设情况。\n")
    again = run_build(pages, out, workers=1, cache=True, timeout=budget.timeout())
    rows = [["full build (`--no-cache`)", f"{full.seconds:,.1f} s", "100%", full.status],
            ["cached build, cache filled by the build above", f"{warm.seconds:,.1f} s",
             f"{100 * warm.seconds / full.seconds:.0f}%", warm.status],
            [f"rebuild after changing 1 page of {n:,}", f"{again.seconds:,.1f} s",
             f"{100 * again.seconds / full.seconds:.1f}%", again.status]]
    print(f"\n## Incremental build ({n:,} pages, one worker)\n")
    print(table(["build", "time", "of full", "status"], rows), flush=True)
    return again


def targets_table(m: dict) -> None:
    """The targets of the issue, each with what this run measured."""
    rows = []

    def row(target, value, met):
        rows.append([target, value, "—" if met is None else ("met" if met else "missed")])

    if "ratio" in m:
        n, r = m["ratio"]
        row("build ≤ 3× bare jieba.lcut, one worker", f"{r:,.1f}× ({n:,} pages)", r <= 3)
    if "speedup" in m:
        n, s, same = m["speedup"]
        row("2 workers ≥ 1.7× the pages/s of 1", f"{s:,.2f}× ({n:,} pages)", s >= 1.7)
        row("2 workers: output byte-identical", "yes" if same else "no", same)
    if "incremental" in m:
        n, share = m["incremental"]
        row("rebuild after 1 changed page ≤ 5% of a full build", f"{100 * share:.1f}% ({n:,} pages)",
            share <= 0.05 if n >= 1000 else None)
    if "memory" in m:
        n, peak = m["memory"]
        row("peak memory at 10,000 pages ≤ 1.5 GB", f"{peak:,.0f} MB ({n:,} pages)",
            peak <= 1536 if n >= 10000 else None)
    if "linear" in m:
        (a, ra), (b, rb) = m["linear"]
        row("time linear in pages", f"{rb / ra:.2f}× the seconds per page at {b:,} as at {a:,}",
            rb / ra <= 1.15 if (a, b) == (1000, 10000) else None)
    print("\n## Targets of the issue\n")
    print(table(["target", "measured", "verdict"], rows))
    print("(— : the run did not reach the size the target is stated for)")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", action="store_true", help="also 10,000 pages; no time budget unless --budget")
    ap.add_argument("--sizes", type=int, nargs="+", default=None, help="archive sizes (default 10 100 1000)")
    ap.add_argument("--stage-pages", type=int, default=100, help="archive size for the cost per stage")
    ap.add_argument("--budget", type=float, default=None, help="seconds for the whole run (default 600, --big: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip", nargs="+", default=[], choices=["stages", "workers", "incremental"],
                    help="leave out these parts (e.g. for a long 10,000-page run of the series alone)")
    ap.add_argument("--at", metavar="REV", default=None,
                    help="measure this commit (exported with git archive) instead of the working tree")
    args = ap.parse_args(argv)
    rev = None
    if args.at:
        rev, src = export_code(args.at)
        sys.path.insert(0, str(src))                       # this process …
        os.environ["PYTHONPATH"] = os.pathsep.join(     # … and the builds it starts
            filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    sizes = args.sizes or ([10, 100, 1000, 10000] if args.big else [10, 100, 1000])
    budget = Budget(args.budget if args.budget is not None else (None if args.big else 600))
    skipped: list[str] = []
    measured: dict = {}
    print(f"machine: {machine()}\ncode: {code_origin(rev)}\nload average at the start: {load()}\n", flush=True)

    stage_set = set() if "stages" in args.skip else {args.stage_pages}
    folders = {n: archive(n, args.seed) for n in sorted(set(sizes) | stage_set)}
    floors = {n: jieba_floor(pages_of(f)) for n, f in folders.items()}

    scale = scale_series(sizes, folders, floors, budget, skipped)
    done = sorted(n for n, run in scale.items() if run.status == "ok")
    if done:
        n = done[-1]
        measured["ratio"] = (n, scale[n].seconds / floors[n][0])
        measured["memory"] = (n, scale[n].tree_peak_mb)
        big = [k for k in done if k >= 100]
        if len(big) >= 2:
            measured["linear"] = [(k, scale[k].seconds / k) for k in big[-2:]]

    n = args.stage_pages
    guess = 1.2 * n * scale[done[-1]].seconds / done[-1] if done else 0
    if "stages" in args.skip:
        pass
    elif budget.fits(guess):
        stage_table(n, folders[n], floors[n])
    else:
        skipped.append(f"cost per stage on {n:,} pages: predicted {guess:,.0f} s, {budget.left():,.0f} s left")

    if done and "workers" not in args.skip:       # one worker against two, on the largest archive built
        n = done[-1]
        if budget.fits(scale[n].seconds * 1.1):
            two, same = workers_table(n, folders[n], scale[n], budget)
            if two.status == "ok":
                measured["speedup"] = (n, scale[n].seconds / two.seconds, same)
        else:
            skipped.append(f"two workers on {n:,} pages: predicted {scale[n].seconds:,.0f} s, "
                           f"{budget.left():,.0f} s left")

    small = [k for k in done if k <= 1000]
    if small and "incremental" not in args.skip:  # incremental, on the largest archive up to 1,000 pages
        n = small[-1]
        if budget.fits(scale[n].seconds * 2.2):
            again = incremental_table(folders[n], n, scale[n], budget)
            if again.status == "ok":
                measured["incremental"] = (n, again.seconds / scale[n].seconds)
        else:
            skipped.append(f"incremental on {n:,} pages: predicted {2 * scale[n].seconds:,.0f} s, "
                           f"{budget.left():,.0f} s left")

    targets_table(measured)
    if skipped:
        print("\nSkipped to keep to the time budget (raise --budget or use --big):")
        for line in skipped:
            print(f"- {line}")
    print(f"\nload average at the end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
