"""Staging and commit: the dumps are written into a staging folder and moved into lod/ only when
complete; recovery of a build that was killed midway, `verify` against SHA256SUMS, and
`settled`, which every reader of a published folder (serve, push) calls first.

The moves of one commit happen under an exclusive lock on the folder (flock), and so does
recovery: a reader never finishes a commit that its build is still making, and never removes
the staging folder of a build that is still running (its name holds the build's pid)."""
from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
from pathlib import Path

from ..errors import InputError
from ..folders import owner_gone, sha256_file
from .cache import write_atomic
from .dumps import FILES, SUMS

STAGING = ".staging-"       # + the building process's pid + "-" + a random part


def staging_prefix() -> str:
    return f"{STAGING}{os.getpid()}-"


@contextlib.contextmanager
def folder_lock(out_dir: Path):
    """Hold the published folder's lock: one commit or recovery at a time."""
    fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)            # closing releases the lock


def recover(out_dir: Path) -> None:
    """Finish or undo a publish that was interrupted: a staging folder marked COMPLETE is moved
    into place (roll forward); an unmarked one whose build is gone is removed (the previous files
    were never touched)."""
    if not Path(out_dir).is_dir():
        return
    with folder_lock(out_dir):
        for staging in sorted(Path(out_dir).glob(f"{STAGING}*")):
            if (staging / "COMPLETE").exists():
                commit_staging(staging, out_dir)
            else:
                pid = staging.name[len(STAGING):].split("-")[0]
                if not pid.isdigit() or owner_gone(pid):    # no pid: a folder of an older version
                    shutil.rmtree(staging, ignore_errors=True)


def commit(staging: Path, out_dir: Path) -> None:
    """Mark a finished staging folder complete and move it into place, under the folder lock."""
    with folder_lock(out_dir):
        mark_complete(staging)
        commit_staging(staging, out_dir)


def mark_complete(staging: Path) -> None:
    """Mark a staging folder ready to be moved into place, with the inode of each file: after an
    interrupted exchange (see _move_over) the old file sits in staging under the new one's name,
    and only the inode tells which of the two is in place."""
    lines = "".join(f"{name} {(staging / name).stat().st_ino}\n" for name in FILES + (SUMS,)
                    if (staging / name).exists())
    write_atomic(staging / "COMPLETE", lines.encode("ascii"))


def commit_staging(staging: Path, out_dir: Path) -> None:
    moved = {}
    for line in (staging / "COMPLETE").read_text(encoding="ascii", errors="replace").splitlines():
        name, _, ino = line.partition(" ")
        moved[name] = int(ino) if ino.isdigit() else None
    for name in FILES + (SUMS,):
        src, dst = staging / name, out_dir / name
        if not src.exists():
            continue
        if moved.get(name) is not None and dst.exists() and dst.stat().st_ino == moved[name]:
            continue                  # already in place: src is the old file, swapped out
        _move_over(src, dst)
    shutil.rmtree(staging, ignore_errors=True)


def _move_over(src: Path, dst: Path) -> None:
    """os.replace, but where Linux allows it by atomically exchanging the two names and then
    removing the old file: ext4 flushes a file renamed over another at once (auto_da_alloc), which
    held a rebuild of 1,000 pages up for about 0.4 s."""
    if dst.exists() and _exchange(src, dst):
        src.unlink()
    else:
        os.replace(src, dst)


@functools.cache
def _renameat2():
    try:
        import ctypes
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):         # not glibc ≥ 2.28: plain os.replace
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (renameat2 RENAME_EXCHANGE); False where that is not available."""
    fn = _renameat2()
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    return fn is not None and fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def verify(out_dir: Path) -> list[str]:
    """Problems with the published files against their SHA256SUMS (empty: all good); a publish
    that was interrupted midway is finished first."""
    out_dir = Path(out_dir)
    recover(out_dir)
    sums = out_dir / SUMS
    if not sums.exists():
        raise InputError(f"{out_dir}: no {SUMS} (not a gonghui dataset?)")
    return _problems(out_dir)


def settled(out_dir: Path) -> dict[str, str]:
    """Make sure a reader of `out_dir` sees one whole publish: an interrupted commit is finished,
    and files that still disagree with SHA256SUMS are refused with one line. A folder without
    SHA256SUMS (dumps put there by hand) is taken as it is. Returns the SHA-256 of each file it
    checked, by resolved path, so a reader that keys on them need not hash them again."""
    out_dir = Path(out_dir)
    try:
        recover(out_dir)
    except OSError as exc:      # a folder this user may read but not change
        raise InputError(f"{out_dir}: a publish was interrupted midway and cannot be finished here "
                         f"({exc.strerror or exc}); run `gonghui verify {out_dir}` as its owner") from None
    if not (out_dir / SUMS).exists():
        return {}
    digests: dict[str, str] = {}
    problems = _problems(out_dir, digests)
    if problems:
        raise InputError(f"{out_dir}: {problems[0]}; the folder is not one whole publish "
                         f"(run `gonghui build` or `gonghui verify {out_dir}`)")
    return digests


def _problems(out_dir: Path, digests: dict[str, str] | None = None) -> list[str]:
    sums = out_dir / SUMS
    problems = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = out_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif (found := sha256_file(path)) != digest:
            problems.append(f"{name}: SHA-256 differs from {SUMS}")
        elif digests is not None:
            digests[str(path.resolve())] = found
    return problems
