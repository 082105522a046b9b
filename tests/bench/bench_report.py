#!/usr/bin/env python3
"""bench_report: the benchmark's table, JSON and chart from boxes' serial logs.

    bench_report.py SERIAL_LOG... OUT_DIR

The bench program (tests/selftests/bench.c) prints, among its TAP lines,
"# bench-config {json}" once and "# bench-row {json}" per result. This
script prints the table (operation, pvx ticks/op, KVM ticks/op, pvx/KVM)
as Markdown, with the rows of every log (make bench: the 1-CPU box, then
the 2-CPU box's cross-CPU rows), and writes OUT_DIR/bench.json and
OUT_DIR/bench.png (gnuplot bar chart of the ratios). Exit status 1 if no
log holds a result or gnuplot fails (a log without results is
named on stderr and left out), then the block rows: each blkif ring row
beside the same transfers by port I/O, then the Linux guest's rows
(tests/selftests/linux_bench.c: "# bench-row" lines of LINUX_ROWS and one
"# bench-exits {json}" line): ticks from the entry to its /init, its
exits by reason, and a 4 KiB O_DIRECT read through xen-blkfront beside
the host's own of the same image. Standard library only.
"""

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

# Issue 5's targets for pvx, ticks/op: a third of KVM's reference on
# in-kernel exits and 4 KiB EPT faults, half on exits to userspace.
TARGETS = {"cpuid": 400, "vmcall": 420, "out": 3700, "mmio_write": 5000,
           "ept_4k": 3600}

# Issue 10's targets, relative to another pvx row: (row, reference, factor):
# a Xen hypercall round trip within 10% of the CPUID fast path, a 16-entry
# multicall at most 3 single hypercalls.
RELATIVE_TARGETS = [("xen_version", "cpuid", 1.10),
                    ("multicall_16", "xen_version", 3.0)]

# Rows KVM cannot run (Debian builds KVM without its Xen emulation): the
# KVM row that does the same job, shown in the KVM column.
KVM_PEERS = {"xen_version": "vmcall"}

# Issue 11's comparisons, pvx against pvx: a blkif ring request beside the
# same 4 KiB moved by port I/O per sector (row, reference).
RING_VS_PIO = [("blk_ring_read_1", "blk_pio_read"),
               ("blk_ring_write_1", "blk_pio_write"),
               ("blk_ring_read_8", "blk_pio_read"),
               ("blk_ring_write_8", "blk_pio_write")]

# Issue 12's rows (linux_bench): pvx against the host itself, not KVM;
# their own table. The read rows: (guest row, host row).
LINUX_ROWS = ("linux_boot_to_init", "linux_xvda_read_4k", "host_loop_read_4k")
LINUX_READS = ("linux_xvda_read_4k", "host_loop_read_4k")

LINE_RE = re.compile(r"# bench-(config|row|exits) (\{.*\})\s*$")


def parse(log):
    """The last bench-config, the rows after it in the order printed, and
    the last bench-exits line (None without one)."""
    config, rows, exits = {}, {}, None
    for line in log.read_text(errors="replace").splitlines():
        m = LINE_RE.search(line.rstrip("\r"))
        if not m:
            continue
        try:
            data = json.loads(m.group(2))
        except json.JSONDecodeError:
            continue        # a kernel message cut into the line
        if m.group(1) == "config":
            config, rows = data, {}
            continue
        if m.group(1) == "exits":
            exits = data
            continue
        row = rows.setdefault(data["row"], {"row": data["row"],
                                            "label": data["label"]})
        row[data["hv"]] = {k: data[k] for k in ("ticks_per_op", "ops", "note")}
    return config, list(rows.values()), exits


def add_peers(rows):
    """Give each row of KVM_PEERS its KVM peer's result, marked as such."""
    by_name = {r["row"]: r for r in rows}
    for r in rows:
        peer = by_name.get(KVM_PEERS.get(r["row"]), {})
        if "kvm" not in r and "kvm" in peer:
            r["kvm"] = dict(peer["kvm"], note=f"KVM's {peer['row']} row")


def ratio(row):
    if "pvx" in row and "kvm" in row and row["kvm"]["ticks_per_op"] > 0:
        return row["pvx"]["ticks_per_op"] / row["kvm"]["ticks_per_op"]
    return None


def ticks(row, hv):
    return f"{row[hv]['ticks_per_op']:,.0f}" if hv in row else "-"


def table(rows):
    out = ["| operation | pvx ticks/op | KVM ticks/op | pvx/KVM |",
           "|---|---:|---:|---:|"]
    for r in rows:
        if r["row"] in LINUX_ROWS:
            continue
        q = ratio(r)
        out.append(f"| {r['label']} | {ticks(r, 'pvx')} | {ticks(r, 'kvm')} | "
                   f"{'-' if q is None else f'{q:.2f}'} |")
    notes = [f"- {r['label']}, {hv}: {r[hv]['note']}"
             for r in rows for hv in ("pvx", "kvm")
             if r["row"] not in LINUX_ROWS and r.get(hv, {}).get("note")]
    return "\n".join(out + ([""] + notes if notes else []))


def targets(rows):
    out = ["| operation | target | pvx ticks/op | |", "|---|---:|---:|---|"]
    for r in rows:
        if r["row"] in TARGETS and "pvx" in r:
            t, v = TARGETS[r["row"]], r["pvx"]["ticks_per_op"]
            out.append(f"| {r['label']} | {t:,} | {v:,.0f} | "
                       f"{'met' if v <= t else f'missed by {v - t:,.0f}'} |")
    pvx = {r["row"]: r["pvx"]["ticks_per_op"] for r in rows if "pvx" in r}
    for row, ref, factor in RELATIVE_TARGETS:
        if row in pvx and ref in pvx:
            t, v = pvx[ref] * factor, pvx[row]
            label = next(r["label"] for r in rows if r["row"] == row)
            out.append(f"| {label} | {factor:g} x {ref} = {t:,.0f} | {v:,.0f} | "
                       f"{'met' if v <= t else f'missed by {v - t:,.0f}'} |")
    return "\n".join(out)


def ring_vs_pio(rows):
    """Each ring row beside its port-I/O reference: ticks and exits."""
    pvx = {r["row"]: r["pvx"] for r in rows if "pvx" in r}
    out = ["| block request (4 KiB) | ring ticks | port I/O ticks | ring/port I/O | ring note |",
           "|---|---:|---:|---:|---|"]
    for row, ref in RING_VS_PIO:
        if row in pvx and ref in pvx and pvx[ref]["ticks_per_op"] > 0:
            a, b = pvx[row]["ticks_per_op"], pvx[ref]["ticks_per_op"]
            out.append(f"| {row} vs {ref} | {a:,.0f} | {b:,.0f} | {a / b:.2f} | "
                       f"{pvx[row]['note']} |")
    return "\n".join(out) if len(out) > 2 else ""


def linux(rows, exits):
    """Issue 12's rows: the boot, its exits by reason, guest vs host reads."""
    by_name = {r["row"]: r for r in rows if r["row"] in LINUX_ROWS}
    if not by_name:
        return ""
    out = ["| Linux PVH guest (1 vCPU) | ticks | note |", "|---|---:|---|"]
    for name in LINUX_ROWS:
        r = by_name.get(name)
        res = r and (r.get("pvx") or r.get("host"))
        if res:
            out.append(f"| {r['label']} | {res['ticks_per_op']:,.0f} | {res['note']} |")
    guest, host = (by_name.get(n, {}) for n in LINUX_READS)
    if "pvx" in guest and "host" in host and host["host"]["ticks_per_op"] > 0:
        q = guest["pvx"]["ticks_per_op"] / host["host"]["ticks_per_op"]
        out.append(f"| 4 KiB read, guest / host | {q:.2f} x | |")
    if exits and exits.get("exits"):
        secs = exits.get("seconds") or 0
        out += ["", f"| VM exit reason ({exits['label']}, {secs:.1f} s) | exits | per second |",
                "|---|---:|---:|"]
        for name, n in sorted(exits["exits"].items(), key=lambda kv: -kv[1]):
            out.append(f"| {name} | {n:,} | {n / secs:,.0f} |" if secs else
                       f"| {name} | {n:,} | - |")
    return "\n".join(out)


def chart(rows, out):
    """A bar chart of pvx/KVM per row, with the 1.0 line."""
    data = out / "bench.dat"
    with data.open("w") as f:
        for i, r in enumerate(rows):
            q = ratio(r)
            if q is not None:
                f.write(f'{i} "{r["row"]}" {q:.4f}\n')
    # Log scale: the ratios span from 1e-4 (VM creation) to about 1.
    script = f"""
set terminal pngcairo size 1000,560 font ",10" noenhanced
set output "{out / 'bench.png'}"
set title "pvx / KVM, TSC ticks per operation in the same box (lower is better)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y
set yrange [*:4]
set grid ytics
set xtics rotate by -35
set ylabel "pvx/KVM (log scale)"
set key off
plot "{data}" using 1:3:xtic(2) with boxes lc rgb "#3070b0", \\
     "" using 1:($3 * 1.25):(sprintf("%.2g", $3)) with labels, \\
     1 with lines lc rgb "#c03030" dt 2
"""
    proc = subprocess.run(["gnuplot"], input=script, text=True,
                          capture_output=True)
    if proc.returncode:
        print(f"bench_report: gnuplot failed: {proc.stderr.strip()}",
              file=sys.stderr)
    return proc.returncode == 0


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    logs, out = [Path(a) for a in sys.argv[1:-1]], Path(sys.argv[-1])
    configs, rows, exits = [], [], None
    for log in logs:
        config, more, log_exits = parse(log) if log.is_file() else ({}, [], None)
        if not more:
            print(f"bench_report: no bench results in {log}", file=sys.stderr)
            continue
        configs.append(config)
        rows += more
        exits = log_exits or exits
    if not rows:
        return 1
    add_peers(rows)
    config = configs[0]
    out.mkdir(parents=True, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    for r in rows:
        r["ratio"] = ratio(r)
    (out / "bench.json").write_text(json.dumps(
        {"date": date, "configs": configs, "rows": rows, "linux_exits": exits},
        indent=2) + "\n")
    print(f"Benchmark of {date}: {config.get('cpu', '?')}, "
          f"{'/'.join(str(c.get('cpus', '?')) for c in configs)} CPU(s), "
          f"kernel {config.get('kernel', '?')}, THP {config.get('thp', '?')}; "
          f"ITER {config.get('iter', '?')} x {config.get('reps', '?')} runs, "
          f"touch {config.get('touch_mib', '?')} MiB, "
          f"{config.get('creates', '?')} creates, {config.get('irqs', '?')} interrupts")
    print()
    print(table(rows))
    print()
    print(targets(rows))
    blk = ring_vs_pio(rows)
    if blk:
        print()
        print(blk)
    lin = linux(rows, exits)
    if lin:
        print()
        print(lin)
    ok = chart(rows, out)
    print()
    print(f"wrote {out / 'bench.json'}" + (f" and {out / 'bench.png'}" if ok else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
