"""Writing outputs safely: one set of rules for every writer.

* :func:`refuse_overwrite` — an existing output is replaced only when asked.
* :func:`refuse_outputs` — checked before any work: an output that *is* an input (after
  symbolic links and hard links are resolved) is refused even with ``overwrite``; so is
  a dangling symbolic link and a folder that cannot be written to.
* :class:`OutputSet` / :func:`atomic_output` — every file is written under a temporary
  name in a staging folder beside its target and renamed into place only when the whole
  set is complete, so an error or Ctrl-C leaves the old files (or nothing), never a
  partial file or a mix of two runs.  Renames into one folder hold a lock on that folder,
  and existence is checked again under it: two runs writing into the same new folder
  cannot silently replace each other's results.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path

from ecospace.errors import OutputError, OutputExistsError

try:  # POSIX; elsewhere the renames run without the folder lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "OutputFolder",
    "OutputSet",
    "atomic_output",
    "final_path",
    "refuse_outputs",
    "refuse_overwrite",
    "write_text",
]

_STAGING_PREFIX = ".ecospace-"
_STAGING_SUFFIX = ".partial"


def final_path(path: str | PathLike) -> Path:
    """Where a file being written will end up (its target, for a staged file), for messages.

    Examples
    --------
    >>> str(final_path("out/.ecospace-x1y2.partial/map.html"))
    'out/map.html'
    """
    path = Path(path)
    staging = path.parent.name
    if staging.startswith(_STAGING_PREFIX) and staging.endswith(_STAGING_SUFFIX):
        return path.parent.parent / path.name
    return path


def refuse_overwrite(paths: Iterable[str | PathLike], *, overwrite: bool) -> None:
    """Raise :class:`OutputExistsError` naming every path in ``paths`` that already exists.

    Nothing is raised when ``overwrite`` is true.  Checked before any work starts, so a
    long run never ends by failing to write.  A dangling symbolic link counts as existing
    (see :func:`refuse_outputs`, which refuses it outright).

    Examples
    --------
    >>> import tempfile
    >>> here = Path(tempfile.mkdtemp())
    >>> (here / "report.json").write_text("{}")
    2
    >>> try:
    ...     refuse_overwrite([here / "report.json", here / "map.html"], overwrite=False)
    ... except FileExistsError as err:
    ...     print(str(err).replace(str(here), "OUT"))
    OUT/report.json already exists; pass --overwrite (overwrite=True) to replace it, ...
    """
    if overwrite:
        return
    existing = [str(p) for p in map(Path, paths) if p.exists() or p.is_symlink()]
    if existing:
        verb = "already exists" if len(existing) == 1 else "already exist"
        raise OutputExistsError(
            f"{', '.join(existing)} {verb}; pass --overwrite (overwrite=True) to replace "
            f"{'it' if len(existing) == 1 else 'them'}, or write elsewhere"
        )


def _same(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def _probe_writable(target: Path) -> None:
    """Create and remove a scratch folder where ``target``'s folder is (or would be made)."""
    folder = target.parent
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {target}: {folder} is not a folder; choose another output path"
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=_STAGING_PREFIX, suffix=".probe", dir=folder))
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: folder {folder} is not writable ({exc.strerror}); "
            "choose a folder you can write to"
        ) from None


def refuse_outputs(
    outputs: Iterable[str | PathLike],
    *,
    inputs: Iterable[str | PathLike] = (),
    overwrite: bool,
) -> None:
    """Check every output before any work: refuse what would lose or corrupt a file.

    Raised, in this order, for the first output concerned:

    * :class:`OutputError` when an output resolves to an input (same path after symbolic
      links, or the same file through a hard link), or is an existing file inside an input
      folder — even with ``overwrite``: the input would be replaced by its own result;
    * :class:`OutputError` for a dangling symbolic link (ecospace does not write through
      links to where they point);
    * :class:`OutputError` when the output's folder cannot be created or written to;
    * :class:`OutputExistsError` when an output exists and ``overwrite`` is false.

    Parameters
    ----------
    outputs
        Files about to be written.
    inputs
        Files and folders the run reads (sources, plan files, texts).
    overwrite
        Whether existing outputs may be replaced.

    Examples
    --------
    >>> import tempfile
    >>> here = Path(tempfile.mkdtemp())
    >>> (here / "plan.yaml").write_text("plan: x")
    7
    >>> try:
    ...     refuse_outputs([here / "plan.yaml"], inputs=[here / "plan.yaml"], overwrite=True)
    ... except OSError as err:
    ...     print(str(err).replace(str(here), "HERE"))
    HERE/plan.yaml is also an input (HERE/plan.yaml); an output never replaces an input, ...
    """
    outs = [p if isinstance(p, Path) else Path(p) for p in outputs]
    ins = [Path(p) for p in inputs]
    for out in outs:
        for src in ins:
            if _same(out, src) or (
                src.is_dir() and (out.exists() or out.is_symlink()) and _inside(out, src)
            ):
                raise OutputError(
                    f"{out} is also an input ({src}); an output never replaces an input, "
                    "even with --overwrite: choose another output name"
                )
        if out.is_symlink() and not out.exists():
            raise OutputError(
                f"{out} is a symbolic link to {os.readlink(out)}, which does not exist; "
                "ecospace does not write through links: remove the link or choose another name"
            )
        _refuse_special(out)
    for folder_target in {o.parent: o for o in outs}.values():
        _probe_writable(folder_target)
    refuse_overwrite(outs, overwrite=overwrite)


class OutputFolder(type(Path())):  # type: ignore[misc]
    """An output that is a folder (a FileGDB, a folder of shapefiles), not a file.

    Passed among the outputs of :func:`refuse_outputs` and :class:`OutputSet`, it may
    replace a folder of the same name (with ``overwrite``), staged and renamed whole.
    """


def _refuse_special(out: Path) -> None:
    """A device, FIFO, socket or folder is never replaced by an output file."""
    if isinstance(out, OutputFolder) and (out.is_dir() or not out.exists()):
        return
    if out.exists() and not out.is_file():
        kind = "a folder" if out.is_dir() else "not a regular file (a device, FIFO or socket)"
        raise OutputError(
            f"{out} is {kind}; ecospace writes regular files only: choose another output name"
        )


class _DeferInterrupt:
    """Hold SIGINT while files are renamed, then raise KeyboardInterrupt (main thread only)."""

    def __enter__(self) -> _DeferInterrupt:
        self.caught = False
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._hold)
        return self

    def _hold(self, signum, frame) -> None:
        self.caught = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        if self.caught and exc[0] is None:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on the folder itself: no lock file is left)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class OutputSet:
    """Files written as one set: all of them, from this run, or none.

    :meth:`path` gives, for each target, a path with the same name in a hidden staging
    folder beside it (``.ecospace-*.partial``); writers write there.  :meth:`commit` moves
    every staged file into place — under a lock on each target folder, after checking
    again that nothing appeared meanwhile (unless ``overwrite``), with Ctrl-C held until the
    renames are done.  :meth:`abort` (or any exception, including ``KeyboardInterrupt``,
    inside ``with``) removes the staging folders and any folder the set created, leaving
    the targets as they were.

    Parameters
    ----------
    overwrite
        Whether targets that exist at commit time may be replaced.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "new"
    >>> with OutputSet(overwrite=False) as s:
    ...     _ = s.path(out / "a.txt").write_text("a")
    ...     _ = s.path(out / "b.txt").write_text("b")
    ...     sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    []
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self, *, overwrite: bool) -> None:
        self.overwrite = overwrite
        self._staged: dict[Path, Path] = {}  # target -> staged file
        self._staging: dict[Path, Path] = {}  # target folder -> staging folder
        self._created: list[Path] = []  # folders made for the targets, deepest last
        self._removed: list[Path] = []  # earlier outputs this set does not replace

    def remove(self, target: str | PathLike) -> None:
        """Delete ``target`` at commit, with the renames: a file of an earlier set this one
        does not write again (so no file of another run stays beside this set)."""
        self._removed.append(Path(target))

    def path(self, target: str | PathLike) -> Path:
        """The staging path to write ``target`` to (the target's folder is made if missing)."""
        target = Path(target)
        if target in self._staged:
            return self._staged[target]
        folder = target.parent
        if folder not in self._staging:
            self._make_folder(folder, target)
            try:
                staging = tempfile.mkdtemp(
                    prefix=_STAGING_PREFIX, suffix=_STAGING_SUFFIX, dir=folder
                )
            except OSError as exc:
                raise OutputError(
                    f"cannot write {target}: folder {folder} is not writable "
                    f"({exc.strerror}); choose a folder you can write to"
                ) from None
            self._staging[folder] = Path(staging)
        self._staged[target] = self._staging[folder] / target.name
        return self._staged[target]

    def _make_folder(self, folder: Path, target: Path) -> None:
        missing = []
        f = folder
        while not f.exists() and f != f.parent:
            missing.append(f)
            f = f.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot write {target}: cannot create folder {folder} ({exc.strerror}); "
                "choose a folder you can write to"
            ) from None
        self._created += reversed(missing)

    def commit(self) -> dict[Path, Path]:
        """Move every staged file into place; returns target → target for each file."""
        for target, staged in self._staged.items():
            if not staged.exists():
                raise OutputError(f"{target} was not written (nothing at {staged})")
        with contextlib.ExitStack() as stack:
            for folder in sorted(self._staging):
                stack.enter_context(_folder_lock(folder))
            refuse_overwrite(self._staged, overwrite=self.overwrite)  # again, under the lock
            for target, staged in self._staged.items():
                _refuse_special(OutputFolder(target) if staged.is_dir() else target)
            with _DeferInterrupt():
                for target, staged in self._staged.items():
                    if staged.is_dir() and target.is_dir():  # an earlier run's folder output
                        os.replace(target, staged.with_name(f".replaced-{target.name}"))
                    os.replace(staged, target)
                for target in self._removed:
                    with contextlib.suppress(FileNotFoundError):
                        target.unlink()
        self._cleanup(created=False)
        return {t: t for t in self._staged}

    def abort(self) -> None:
        """Remove everything staged (and folders made for it); the targets stay as they were."""
        self._cleanup(created=True)

    def _cleanup(self, *, created: bool) -> None:
        for staging in self._staging.values():
            shutil.rmtree(staging, ignore_errors=True)
        self._staging.clear()
        if created:
            for folder in reversed(self._created):
                with contextlib.suppress(OSError):  # not empty: something else is there
                    folder.rmdir()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


@contextlib.contextmanager
def atomic_output(target: str | PathLike, *, overwrite: bool) -> Iterator[Path]:
    """Write one file atomically: yields a temporary path, renamed to ``target`` at the end.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "report.md"
    >>> with atomic_output(out, overwrite=False) as tmp:
    ...     _ = tmp.write_text("# report")
    ...     out.exists()
    False
    >>> out.read_text()
    '# report'
    """
    with OutputSet(overwrite=overwrite) as s:
        yield s.path(target)


def write_text(target: str | PathLike, text: str, *, overwrite: bool) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically; returns the path.

    Examples
    --------
    >>> import tempfile
    >>> write_text(Path(tempfile.mkdtemp()) / "a.txt", "甲", overwrite=False).read_text()
    '甲'
    """
    with atomic_output(target, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)
