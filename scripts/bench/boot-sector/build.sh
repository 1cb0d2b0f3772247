#!/bin/sh
# Builds checksum.bin (a 512-byte boot sector) from checksum.S with GNU as/ld/objcopy.
# OUTER (default 34880: about 10^9 instructions) sets the number of passes over the buffer.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/checksum.bin}
outer=${OUTER:-34880}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --32 --defsym OUTER="$outer" -o "$tmp/checksum.o" "$here/checksum.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat elf32-i386 -e _start -o "$tmp/checksum.elf" "$tmp/checksum.o"
objcopy -O binary -j .text "$tmp/checksum.elf" "$out"
size=$(wc -c < "$out")
[ "$size" -eq 512 ] || { echo "boot sector is $size bytes, not 512" >&2; exit 1; }
