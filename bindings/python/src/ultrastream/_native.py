"""Loading ``libultrastream`` and declaring its C functions for ctypes.

The library is looked up in this order (the first that loads wins):

1. the ``ULTRASTREAM_LIB`` environment variable: a path to the library file
   or to a folder holding it (when set, nothing else is tried, so a wrong
   value is reported instead of silently loading another copy);
2. this package's own folder: the library a wheel carries (``pip install``
   builds it with cargo and puts it there);
3. the cargo target folders of the ultrastream source tree this file sits
   in (a checkout or an editable install), ``target/release`` and
   ``target/debug``, the most recently built first (``$CARGO_TARGET_DIR``
   before ``target``);
4. the system: ``ctypes.util.find_library("ultrastream")`` (e.g. after
   ``make install``).

Every function is declared with ``argtypes`` and ``restype``. Strings the
library hands out (``char **out``) are declared as ``c_void_p`` so ctypes
does not convert (and leak) them; :func:`take_string` copies and frees them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import byref, c_void_p
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

# The structs, callback types and every function's restype and argtypes are
# generated from include/ultrastream.h (capi/src/generated.rs), so they match
# the C API field for field.
from ._cdecl import *  # noqa: F401,F403
from ._cdecl import FUNCTIONS, STRUCTS

__all__ = [
    "LibraryNotFoundError",
    "lib",
    "library_path",
    "take_string",
    "encode",
    "usapi_options",
    "usapi_server",
    "usapi_video",
    "usapi_rec_control",
    "usapi_ping_result",
    "usapi_status_summary",
    "usapi_discover_options",
    "usapi_discover_callback",
    "usapi_progress",
    "usapi_progress_callback",
    "usapi_run_options",
    "usapi_watch_options",
    "usapi_event_callback",
]


class LibraryNotFoundError(OSError):
    """``libultrastream`` could not be found or loaded.

    The message lists every place that was tried and how to fix it.
    """


#: Names of every C function declared here (the header's, all of them).
DECLARED = frozenset(name for name, _, _, _ in FUNCTIONS)

# STRUCTS (every struct by its C name) stays importable from here: the
# tests compare its layouts with the library's own.
__all__ += ["STRUCTS"]


def _lib_file_names() -> List[str]:
    if sys.platform == "darwin":
        return ["libultrastream.dylib"]
    if sys.platform == "win32":
        return ["ultrastream.dll", "libultrastream.dll"]
    return ["libultrastream.so", "libultrastream.so.0"]


def _is_source_tree(root: Path) -> bool:
    cargo = root / "Cargo.toml"
    try:
        return cargo.is_file() and 'name = "ultrastream"' in cargo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _source_trees() -> Iterator[Path]:
    """The ultrastream source tree above this file, if any (nothing about
    the machine that built the package is recorded)."""
    here = Path(__file__).resolve().parent
    for parent in here.parents:
        if _is_source_tree(parent):
            yield parent
            break


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def candidates() -> Iterator[str]:
    """Every path (or system name) tried, in order, after ``ULTRASTREAM_LIB``."""
    names = _lib_file_names()
    here = Path(__file__).resolve().parent
    for n in names:
        yield str(here / n)
    target_dirs: List[Path] = []
    env_target = os.environ.get("CARGO_TARGET_DIR")
    if env_target:
        target_dirs.append(Path(env_target))
    for root in _source_trees():
        target_dirs.append(root / "target")
    seen = set()
    for t in target_dirs:
        # The most recently built of release and debug first, so a fresh
        # `cargo build` is not shadowed by an old release build.
        builds = [t / profile / names[0] for profile in ("release", "debug")]
        builds.sort(key=_mtime, reverse=True)
        for b in builds:
            p = str(b)
            if p not in seen:
                seen.add(p)
                yield p
    found = ctypes.util.find_library("ultrastream")
    if found:
        yield found


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


# Functions a library may lack besides the simulator's: those older than
# discovery load, and discover() says what is missing.
_MAY_LACK = frozenset({"usapi_discover", "usapi_discover_each"})


def _declare(cdll: ctypes.CDLL) -> None:
    for name, restype, argtypes, simulator_only in FUNCTIONS:
        try:
            f = getattr(cdll, name)
        except AttributeError:
            if not (simulator_only or name in _MAY_LACK):
                raise  # a library too old for this package
            # Built without the simulator, or older than discovery: None.
            setattr(cdll, name, None)
            continue
        f.restype = restype
        f.argtypes = argtypes


def _load() -> Tuple[ctypes.CDLL, str]:
    env = os.environ.get("ULTRASTREAM_LIB")
    if env:
        path = Path(env)
        if path.is_dir():
            path = path / _lib_file_names()[0]
        try:
            cdll = ctypes.CDLL(str(path))
            _declare(cdll)
            return cdll, str(path)
        except (OSError, AttributeError) as e:
            raise LibraryNotFoundError(
                f"ULTRASTREAM_LIB={env!r} could not be loaded: {e}. Point it at libultrastream "
                "(e.g. target/release/libultrastream.so after `cargo build --release`), or unset it."
            ) from e
    tried = []
    for c in candidates():
        if os.sep in c and not os.path.exists(c):
            tried.append(f"{c} (not found)")
            continue
        try:
            cdll = ctypes.CDLL(c)
        except OSError as e:
            tried.append(f"{c} ({e})")
            continue
        try:
            _declare(cdll)
        except AttributeError as e:
            tried.append(f"{c} (too old for this package: {e})")
            continue
        return cdll, c
    if ctypes.util.find_library("ultrastream") is None:
        tried.append('system (ctypes.util.find_library("ultrastream") found nothing)')
    raise LibraryNotFoundError(
        "libultrastream was not found. Build it with `cargo build --release` in the ultrastream "
        "source tree, install it with `make install`, or set ULTRASTREAM_LIB to its path. Tried:\n  "
        + "\n  ".join(tried)
    )


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first use; thread-safe)."""
    global _lib, _lib_path
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib, _lib_path = _load()
    return _lib


def library_path() -> str:
    """The path (or system name) the library was loaded from."""
    lib()
    assert _lib_path is not None
    return _lib_path


def has_function(name: str) -> bool:
    """True when the loaded library exports the optional function ``name``."""
    return getattr(lib(), name, None) is not None


def encode(s: Optional[str], what: str = "argument") -> Optional[bytes]:
    """A Python string as NUL-terminated UTF-8 (``None`` stays NULL)."""
    if s is None:
        return None
    if isinstance(s, bytes):
        b = s
    elif isinstance(s, str):
        b = s.encode("utf-8", errors="surrogatepass")
    else:
        raise TypeError(f"{what} must be a str, not {type(s).__name__}")
    if b"\0" in b:
        raise ValueError(f"{what} must not contain a NUL character")
    return b


def take_string(p: c_void_p) -> Optional[str]:
    """Copy a library-owned string and free it (NULL gives ``None``)."""
    if not p.value:
        return None
    try:
        return ctypes.string_at(p.value).decode("utf-8", errors="replace")
    finally:
        lib().usapi_string_free(p.value)
        p.value = None


def out_string() -> Tuple[c_void_p, object]:
    """A ``char *`` slot and the ``char **`` to pass for it."""
    p = c_void_p()
    return p, byref(p)
