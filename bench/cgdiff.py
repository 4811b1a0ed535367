#!/usr/bin/env python3
"""Per-call instructions by function: the difference of two callgrind runs
(N1 and N2 calls) divided by N2 - N1, so startup and teardown cancel out.

    cgdiff.py FILE_N1 FILE_N2 CALLS_DIFF [--top K] [--inclusive]
"""
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s*$")


def functions(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--auto=no",
         "--inclusive=" + ("yes" if inclusive else "no"), path],
        check=True, capture_output=True, text=True).stdout
    costs, seen_header = {}, False
    for line in out.splitlines():
        if "file:function" in line:
            seen_header = True
            continue
        if not seen_header:
            continue
        m = LINE.match(line)
        if m and "PROGRAM TOTALS" not in line:
            name = m.group(2)
            # Inclusive costs of recursion levels ('2) double count.
            if inclusive and re.search(r"'\d", name):
                continue
            # The frames above the benchmark loop say nothing.
            if inclusive and re.search(r"below main|__libc_start|ld-linux|getstatus\.c:main", name):
                continue
            # Drop the object path, keep the short library name.
            name = re.sub(r"\[(?:.*/)?([^/\]]+)\]$", r"[\1]", name)
            name = re.sub(r"^\?\?\?:", "", name)
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def main():
    args = sys.argv[1:]
    top = 25
    inclusive = "--inclusive" in args
    args = [a for a in args if a != "--inclusive"]
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    f1, f2, calls = args[0], args[1], int(args[2])
    a, b = functions(f1, inclusive), functions(f2, inclusive)
    diff = {k: (b.get(k, 0) - a.get(k, 0)) / calls for k in set(a) | set(b)}
    total = sum(v for v in diff.values()) if not inclusive else None
    rows = sorted(diff.items(), key=lambda kv: -kv[1])[:top]
    kind = "inclusive" if inclusive else "self"
    print(f"instructions per call by function ({kind}), top {top}:")
    for name, v in rows:
        share = f" {100 * v / total:5.1f}%" if total else ""
        print(f"{v:12,.0f}{share}  {name[:150]}")


if __name__ == "__main__":
    main()
