#!/bin/sh
# Writes kernel_params.tsv from the running kernel's syscall tracepoints (run as root on an
# x86_64 Linux with CONFIG_FTRACE_SYSCALLS): each sys_enter_NAME/format lists the syscall's
# parameters as `field:TYPE NAME;` lines after `__syscall_nr`. Tracepoint names that differ
# from the syscall table's are renamed to the table's (newstat is stat, umount is umount2…).
set -eu
out="$(dirname "$0")/kernel_params.tsv"
mnt="$(mktemp -d)"
mount -t tracefs nodev "$mnt"
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
{
    echo "# The parameters of Linux's native x86_64 syscalls: one line per syscall, NAME then each"
    echo "# parameter as its C type and name, tab-separated, in argument order. Written by"
    echo "# kernel_params.sh from the syscall tracepoints of Linux $(uname -r) ($(uname -m))."
    for d in "$mnt"/events/syscalls/sys_enter_*; do
        name="${d##*/sys_enter_}"
        case "$name" in
            newstat) name=stat ;; newlstat) name=lstat ;; newfstat) name=fstat ;;
            newuname) name=uname ;; sendfile64) name=sendfile ;; umount) name=umount2 ;;
        esac
        printf '%s' "$name"
        grep -E '^[[:space:]]+field:' "$d/format" | grep -v -e 'common_' -e '__syscall_nr' |
            sed -E 's/^[[:space:]]+field:(.*);[[:space:]]+offset:.*$/\1/' |
            while IFS= read -r field; do printf '\t%s' "$field"; done
        printf '\n'
    done | sort
} > "$out"
