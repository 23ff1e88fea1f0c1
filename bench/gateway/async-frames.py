#!/usr/bin/env python3
"""The initial frame size of each async function in a Swift binary, largest first.

Every async function has an "async function pointer" symbol (mangled name ending in `Tu`): a
32-bit relative offset to the function, then the 32-bit size of the context (frame) its caller
allocates from the task's allocator. Frames on the request path are held for as long as a request
is in flight, and a keep-alive connection's task keeps the slabs they took.

    bench/gateway/async-frames.py BIN [SUBSTRING ...] [--top N]

SUBSTRINGs filter the demangled names (any of them matches). Needs binutils (`nm`, `readelf`)
and `swift demangle`.
"""
import argparse
import struct
import subprocess


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 6 and parts[0].startswith("[") and parts[0] != "[Nr]":
            try:
                found.append((int(parts[3], 16), int(parts[4], 16), int(parts[5], 16), parts[1]))
            except ValueError:
                pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("patterns", nargs="*")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    secs = sections(args.binary)
    data = open(args.binary, "rb").read()

    def file_offset(address):
        for start, offset, size, name in secs:
            if start <= address < start + size and name not in (".bss", ".tbss"):
                return offset + address - start
        return None

    symbols = subprocess.run(["nm", "--defined-only", args.binary], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in symbols.splitlines():
        parts = line.split()
        if len(parts) < 3 or not parts[2].endswith("Tu"):
            continue
        offset = file_offset(int(parts[0], 16))
        if offset is not None:
            rows.append((struct.unpack_from("<iI", data, offset)[1], parts[2]))
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(s for _, s in rows),
                           capture_output=True, text=True, check=True).stdout.splitlines()
    shown = 0
    for (size, _), name in sorted(zip(rows, names), reverse=True):
        name = name.removeprefix("async function pointer to ")
        if args.patterns and not any(p in name for p in args.patterns):
            continue
        print(f"{size:7d}  {name}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
