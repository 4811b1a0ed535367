"""The build backend of the ``ultrastream`` Python package (PEP 517 / PEP 660).

Building a wheel builds the Rust library with cargo and puts
``libultrastream.so`` inside the package, in a wheel tagged
``py3-none-<platform>`` (ctypes: any Python 3, one platform). An sdist
carries the Rust sources it needs under ``rust/``, so it builds anywhere
cargo is installed.

Why a backend of our own instead of setuptools-rust or maturin: it needs
nothing from PyPI (``requires = []``), so ``pip install ./bindings/python``
works offline, with or without build isolation, on every Python from 3.8;
setuptools would need ``wheel`` (or setuptools >= 70.1) fetched into each
isolated build, setuptools-rust and maturin more on top, all to run one
cargo command and zip a folder. The wheel format is small and stable
(PEP 427 / 491); this file writes it with the standard library only.

Which platform (see docs/packaging.md):

- Linux: the tag is ``manylinux_2_N_<arch>`` with N the newest glibc
  symbol version the library needs, read from the library itself. With
  ``cargo-zigbuild`` on PATH (``pip install ziglang cargo-zigbuild``) the
  library is linked against glibc 2.28 (``$ULTRASTREAM_GLIBC``, or ``host``
  for the plain cargo build), so the wheel installs on RHEL 8, Ubuntu
  20.04, Debian 11 and later; without it, the build machine's glibc sets N.
- Another Rust target: ``$ULTRASTREAM_TARGET`` or ``-C target=TRIPLE``
  (pip's ``--config-settings``): ``x86_64-pc-windows-gnu`` gives a
  ``win_amd64`` wheel holding ``ultrastream.dll`` (cross-built with MinGW).

The library is stripped of its symbol table (CARGO_PROFILE_RELEASE_STRIP);
the wheel carries LICENSE-MIT and LICENSE-APACHE in its .dist-info/licenses.
cargo's progress goes to the terminal (/dev/tty) when there is one: pip
shows a build backend's output only with ``-v``, and a first build takes
a minute.

Where the crate is: ``$ULTRASTREAM_SOURCE_ROOT`` (a build-time override,
recorded nowhere), else ``rust/`` beside this project (an unpacked sdist),
else the repository holding ``bindings/python`` (a checkout). cargo honours
``$CARGO`` and ``$CARGO_TARGET_DIR``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

NAME = "ultrastream"
SUMMARY = "Control Magewell Ultra Stream encoders over their HTTP API (ctypes binding of libultrastream)"
REQUIRES_PYTHON = ">=3.8"
LICENSE = "MIT OR Apache-2.0"
CLASSIFIERS = [
    "Programming Language :: Python :: 3",
    "Operating System :: POSIX :: Linux",
    "Operating System :: Microsoft :: Windows",
    "Topic :: Multimedia :: Video",
    "Typing :: Typed",
    "License :: OSI Approved :: MIT License",
    "License :: OSI Approved :: Apache Software License",
]

HERE = Path(__file__).resolve().parent.parent  # bindings/python (or the unpacked sdist)
PACKAGE = HERE / "src" / NAME

# What the crate needs to build its library, relative to the crate root
# (folders are copied whole). Targets Cargo.toml names with `path = ...`
# are added, because cargo refuses a manifest whose targets are missing.
CRATE_FILES = [
    "Cargo.toml",
    "Cargo.lock",
    "capi",
    "cbindgen.toml",
    "src",
    "include",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "README.md",
]


class BuildError(RuntimeError):
    pass


def _version() -> str:
    text = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not m:
        raise BuildError(f"no __version__ in {PACKAGE / '__init__.py'}")
    return m.group(1)


def _metadata() -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {_version()}",
        f"Summary: {SUMMARY}",
        f"License: {LICENSE}",
        f"Requires-Python: {REQUIRES_PYTHON}",
    ]
    lines += [f"Classifier: {c}" for c in CLASSIFIERS]
    lines.append("Description-Content-Type: text/markdown")
    readme = HERE / "README.md"
    body = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    return "\n".join(lines) + "\n\n" + body


def _is_crate(root: Path) -> bool:
    cargo = root / "Cargo.toml"
    try:
        return cargo.is_file() and re.search(r'^name = "ultrastream"', cargo.read_text(encoding="utf-8"), re.M) is not None
    except OSError:
        return False


def _crate_root() -> Path:
    env = os.environ.get("ULTRASTREAM_SOURCE_ROOT")
    tried = []
    for cand, why in (
        (Path(env) if env else None, "$ULTRASTREAM_SOURCE_ROOT"),
        (HERE / "rust", "rust/ of an sdist"),
        (HERE.parent.parent, "the checkout holding bindings/python"),
    ):
        if cand is None:
            continue
        if _is_crate(cand):
            return cand.resolve()
        tried.append(f"{cand} ({why})")
    raise BuildError(
        "the ultrastream Rust crate was not found; build from a checkout (pip install ./bindings/python), "
        "from the sdist, or set ULTRASTREAM_SOURCE_ROOT to the checkout. Tried: " + ", ".join(tried)
    )


def _cargo() -> str:
    for cand in (os.environ.get("CARGO"), shutil.which("cargo"), str(Path.home() / ".cargo" / "bin" / "cargo")):
        if cand and Path(cand).is_file():
            return cand
    raise BuildError("cargo is needed to build libultrastream: install Rust (https://rustup.rs) or set $CARGO")


LICENSE_FILES = ["LICENSE-MIT", "LICENSE-APACHE"]
# The glibc a Linux library is linked against with cargo-zigbuild: what
# manylinux_2_28 (RHEL 8, Ubuntu 20.04, Debian 11) promises.
DEFAULT_GLIBC = "2.28"


def _setting(config_settings: Optional[dict], key: str, env: str) -> Optional[str]:
    value = (config_settings or {}).get(key) or os.environ.get(env)
    return value or None


def _host_triple(cargo: str) -> str:
    rustc = os.environ.get("RUSTC") or str(Path(cargo).with_name("rustc"))
    if not Path(rustc).is_file():
        rustc = shutil.which("rustc") or "rustc"
    try:
        out = subprocess.run([rustc, "-vV"], stdout=subprocess.PIPE, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError) as e:
        raise BuildError(f"cannot ask rustc for the host target ({e}): install Rust (https://rustup.rs)")
    for line in out.splitlines():
        if line.startswith("host: "):
            return line[len("host: "):].strip()
    raise BuildError("rustc -vV names no host target")


def _zig_for(zigbuild: str) -> Optional[str]:
    """The zig of the `ziglang` package installed beside cargo-zigbuild
    (`pip install ziglang cargo-zigbuild`). cargo-zigbuild's own search
    runs `python3 -m ziglang`, which fails inside pip's isolated build
    when that python3 is the one running pip."""
    if shutil.which("zig") or os.environ.get("CARGO_ZIGBUILD_ZIG_PATH"):
        return None
    venv = Path(zigbuild).resolve().parent.parent
    for lib in ("lib", "Lib"):
        for zig in sorted(venv.glob(f"{lib}/python*/site-packages/ziglang/zig*")) + sorted(
            venv.glob(f"{lib}/site-packages/ziglang/zig*")
        ):
            if zig.is_file() and zig.name in ("zig", "zig.exe"):
                return str(zig)
    return None


def _progress_stream():
    """Where cargo's progress goes: the terminal when pip hides our stderr
    (it shows a backend's output only with -v), else our stderr."""
    if sys.stderr.isatty() or os.environ.get("ULTRASTREAM_BUILD_TTY") == "0":
        return None, None
    try:
        tty = open("/dev/tty", "w")
    except OSError:
        return None, None
    return tty, tty


def _build_library(config_settings: Optional[dict] = None) -> Tuple[Path, str]:
    """cargo builds the release library; returns its path and the target triple."""
    root = _crate_root()
    cargo = _cargo()
    target = _setting(config_settings, "target", "ULTRASTREAM_TARGET")
    glibc = _setting(config_settings, "glibc", "ULTRASTREAM_GLIBC") or DEFAULT_GLIBC
    triple = target or _host_triple(cargo)
    # A Linux glibc target links against an older glibc through zig, when
    # cargo-zigbuild is there; its output goes to target/<triple>/release.
    # Those builds (and other targets) make only the C library (capi/).
    # The plain build is `make`'s (both packages' libraries, the same
    # features), so neither rebuilds the other's.
    zigbuild = shutil.which("cargo-zigbuild")
    env = dict(os.environ)
    # Those capi-only builds take the library's features alone: the
    # simulator, not the build-time header generation (cbindgen).
    capi_only = ["-p", "ultrastream-capi", "--no-default-features", "--features", "simulator"]
    if triple.endswith("-linux-gnu") and glibc != "host" and zigbuild:
        cmd = [cargo, "zigbuild", "--target", f"{triple}.{glibc}"] + capi_only
        zig = _zig_for(zigbuild)
        if zig:
            env["CARGO_ZIGBUILD_ZIG_PATH"] = zig
    elif target:
        cmd = [cargo, "build", "--target", target] + capi_only
    else:
        cmd = [cargo, "build"]
    cmd += ["--release", "--lib", "--message-format=json-render-diagnostics"]
    cmd += ["--manifest-path", str(root / "Cargo.toml")]
    # The symbol table is of no use to a wheel's users (the exported
    # functions stay); it is most of the library's size. The plain build
    # keeps make's profile (a different one would rebuild every crate) and
    # the wheel gets a stripped copy instead (_stripped).
    if cmd[1] != "build" or target:
        env["CARGO_PROFILE_RELEASE_STRIP"] = "symbols"
    tty, err = _progress_stream()
    line = "ultrastream: building the library (a first build takes a minute or more): " + " ".join(cmd) + "\n"
    sys.stderr.write(line)
    if tty is not None:
        tty.write(line)
        tty.flush()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, cwd=str(root), env=env)
    finally:
        if tty is not None:
            tty.close()
    if proc.returncode != 0:
        where = "on the terminal" if tty is not None else "above"
        raise BuildError(f"cargo failed (exit {proc.returncode}); its messages are {where}")
    found: Optional[Path] = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact" or "cdylib" not in msg.get("target", {}).get("kind", []):
            continue
        for f in msg.get("filenames", []):
            if f.endswith((".so", ".dylib", ".dll")):
                found = Path(f)
    if found is None or not found.is_file():
        raise BuildError("cargo built no shared library (no cdylib artifact in its output)")
    return found, triple


def _stripped(lib: Path, triple: str) -> bytes:
    """The library's bytes; for the plain build (not stripped by cargo) a
    copy without its symbol table, by binutils' strip."""
    data = lib.read_bytes()
    if b".symtab" not in data:
        return data
    strip = shutil.which("strip")
    if strip is None:
        sys.stderr.write("ultrastream: `strip` not found (binutils): the wheel's library keeps its symbol table\n")
        return data
    tmp = Path(tempfile.mkdtemp(prefix="ultrastream-strip-"))
    try:
        copy = tmp / lib.name
        shutil.copyfile(lib, copy)
        flag = "-x" if "-apple-" in triple else "--strip-unneeded"
        subprocess.run([strip, flag, str(copy)], check=True)
        return copy.read_bytes()
    except (OSError, subprocess.CalledProcessError) as e:
        raise BuildError(f"strip failed on a copy of {lib}: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _platform_tag() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def _glibc_needed(library: bytes) -> Tuple[int, int]:
    """The newest GLIBC_x.y symbol version the library refers to (its
    version-needed names sit in .dynstr); (2, 17) at least, manylinux2014's
    baseline."""
    found = [(int(a), int(b)) for a, b in re.findall(rb"GLIBC_(\d+)\.(\d+)", library)]
    return max(found + [(2, 17)])


def _library_tag(library: bytes, triple: str) -> str:
    """The wheel's platform tag for the library cargo built for `triple`."""
    arch = triple.split("-", 1)[0]
    if "-windows-" in triple:
        win = {"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32"}.get(arch)
        if win is None:
            raise BuildError(f"no wheel platform tag for the Windows target {triple}")
        return win
    if triple.endswith("-linux-gnu"):
        major, minor = _glibc_needed(library)
        return f"manylinux_{major}_{minor}_{arch}"
    return _platform_tag()


def _tag() -> str:
    return f"py3-none-{_platform_tag()}"


def _dist_info(version: str) -> str:
    return f"{NAME}-{version}.dist-info"


def _wheel_text(tag: str) -> str:
    return f"Wheel-Version: 1.0\nGenerator: ultrastream_build\nRoot-Is-Purelib: false\nTag: {tag}\n"


def _package_files() -> Iterable[Tuple[str, Path]]:
    for p in sorted(PACKAGE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".so", ".dylib", ".dll"):
            yield f"{NAME}/{p.relative_to(PACKAGE).as_posix()}", p


def _write_wheel(directory: str, tag: str, files: List[Tuple[str, bytes, int]]) -> str:
    version = _version()
    info = _dist_info(version)
    files = files + [
        (f"{info}/METADATA", _metadata().encode("utf-8"), 0o644),
        (f"{info}/WHEEL", _wheel_text(tag).encode("ascii"), 0o644),
    ]
    record = io.StringIO()
    for name, data, _ in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{info}/RECORD,,\n")
    files.append((f"{info}/RECORD", record.getvalue().encode("utf-8"), 0o644))
    wheel_name = f"{NAME}-{version}-{tag}.whl"
    # A fixed date: the same inputs give the same wheel.
    stamp = time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")))[:6]
    with zipfile.ZipFile(os.path.join(directory, wheel_name), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in files:
            zi = zipfile.ZipInfo(name, date_time=stamp)
            zi.external_attr = (0o100000 | mode) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return wheel_name


# --- PEP 517 hooks ---------------------------------------------------------


def get_requires_for_build_wheel(config_settings=None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings=None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings=None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None) -> str:
    info = _dist_info(_version())
    d = Path(metadata_directory) / info
    d.mkdir(parents=True, exist_ok=True)
    (d / "METADATA").write_text(_metadata(), encoding="utf-8")
    (d / "WHEEL").write_text(_wheel_text(_tag()), encoding="ascii")
    return info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _license_files(version: str) -> List[Tuple[str, bytes, int]]:
    root = _crate_root()
    out = []
    for name in LICENSE_FILES:
        p = root / name
        if not p.is_file():
            raise BuildError(f"{p} is missing: the wheel must carry the licences")
        out.append((f"{_dist_info(version)}/licenses/{name}", p.read_bytes(), 0o644))
    return out


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None) -> str:
    lib, triple = _build_library(config_settings)
    files = [(name, p.read_bytes(), 0o644) for name, p in _package_files()]
    # The library under its plain name: the loader looks for
    # libultrastream.so (ultrastream.dll on Windows) in the package folder.
    data = _stripped(lib, triple)
    files.append((f"{NAME}/{lib.name}", data, 0o755))
    files += _license_files(_version())
    return _write_wheel(wheel_directory, f"py3-none-{_library_tag(data, triple)}", files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None) -> str:
    """An editable install: a .pth file putting src/ on sys.path. The package
    then finds the library in the checkout's target/ (walking up from its own
    file), so nothing is built here: run `cargo build` as you work."""
    pth = (str((HERE / "src").resolve()) + "\n").encode("utf-8")
    return _write_wheel(wheel_directory, "py3-none-any", [(f"_{NAME}_editable.pth", pth, 0o644)])


def _crate_members(root: Path) -> List[str]:
    members = list(CRATE_FILES)
    manifest = (root / "Cargo.toml").read_text(encoding="utf-8")
    members += re.findall(r'^path\s*=\s*"([^"]+)"', manifest, re.M)
    return members


def build_sdist(sdist_directory, config_settings=None) -> str:
    version = _version()
    base = f"{NAME}-{version}"
    root = _crate_root()
    entries: Dict[str, Path] = {}
    for rel in ("pyproject.toml", "README.md", "_build/ultrastream_build.py"):
        entries[f"{base}/{rel}"] = HERE / rel
    for name, p in _package_files():
        entries[f"{base}/src/{name}"] = p
    for rel in _crate_members(root):
        src = root / rel
        if src.is_dir():
            for p in sorted(src.rglob("*")):
                if p.is_file() and "__pycache__" not in p.parts:
                    entries[f"{base}/rust/{p.relative_to(root).as_posix()}"] = p
        elif src.is_file():
            entries[f"{base}/rust/{rel}"] = src
    name = f"{base}.tar.gz"
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))

    def add(tar: tarfile.TarFile, arcname: str, data: bytes) -> None:
        ti = tarfile.TarInfo(arcname)
        ti.size, ti.mtime, ti.mode = len(data), mtime, 0o644
        tar.addfile(ti, io.BytesIO(data))

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        add(tar, f"{base}/PKG-INFO", _metadata().encode("utf-8"))
        for arcname in sorted(entries):
            add(tar, arcname, entries[arcname].read_bytes())
    return name
