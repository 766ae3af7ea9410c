"""The daemon-as-users-run-it, monit/netdata and start-up parts of bench_tick's report."""

from __future__ import annotations

import bench_daemon
import bench_monit

MB = 1024  # kB
RSS_LIMIT_KB = 20 * MB
START_LIMIT_MS = 30.0
MONIT_RATIO = 0.2


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def users_run(figures: dict[str, object], seconds: float) -> None:
    """The daemon (sending, steady), a Twilio child, monit and netdata, with the children alive."""
    if seconds <= 0:
        return
    figures["sending"] = bench_daemon.sending_run(seconds)
    figures["steady"] = bench_daemon.steady_run(max(5, int(seconds)))
    figures["child"] = bench_daemon.twilio_child_cost()
    figures["monit"] = bench_monit.monit(seconds)
    figures["netdata"] = bench_monit.netdata(seconds)


def _mb(kb: float) -> str:
    return f"{kb / MB:.1f} MB"


def extend(figures: dict, lines: list[str], results: list) -> None:
    """Add the lines and (label, value, ok) targets of the figures bench_tick gathered."""
    lines += ["", (f"load average: {figures['load_before']} at the start, "
              f"{figures.get('load_after', '?')} at the end (2 cores shared with others)")]
    _daemon(figures, lines, results)
    _contenders(figures, lines, results)
    _start(figures, lines, results)


def _daemon(figures: dict, lines: list[str], results: list) -> None:
    sending, steady, child = figures.get("sending"), figures.get("steady"), figures.get("child")
    if sending is None or steady is None or child is None:
        return
    peak = sending["peak"]
    lines += [
        "",
        "the daemon as a user runs it (Twilio configured, loopback stand-in, ALERT_INTERVAL 1):",
        (f"  sending run: {sending['sent']} messages sent through Twilio children; process tree "
        f"sampled {sending['samples']} times (every 20 ms), up to {peak['processes']} processes"),
        f"  tree peak, summed RSS:            {_mb(peak['rss_sum_kb'])} ({peak['rss_sum_kb']} kB)",
        (f"  tree peak, distinct pages:        {_mb(peak['distinct_kb'])} (a page two processes "
        "map counted once)"),
        (f"  daemon alone: peak {_mb(sending['daemon_hwm_kb'])} (VmHWM), between sends "
        f"{_mb(sending['between']['rss_sum_kb'])}; twilio imported in the daemon: "
        f"{sending['twilio_in_daemon']}"),
        (f"  one Twilio child: peak {_mb(child['max_rss_kb'])} (ru_maxrss), CPU "
        f"{child['cpu_ms']:.0f} ms, wall {child['wall_ms']:.0f} ms (median of 5)"),
        (f"  steady run (nothing to send): {steady['cpu_ms_per_tick']:.1f} ms CPU per tick over "
        f"{steady['ticks']} ticks = {steady['cpu_percent']:.2f}% of a core; daemon peak "
        f"{_mb(steady['daemon_hwm_kb'])}"),
    ]
    results.append(("tree peak RSS with Twilio, messages sent (summed RSS) <= 20 MB",
                    f"{_mb(peak['rss_sum_kb'])}",
                    peak["rss_sum_kb"] <= RSS_LIMIT_KB and sending["sent"] > 0
                    and not sending["twilio_in_daemon"]))  # fmt: skip
    if sending["token_shown"]:
        results.append(("the auth token never in the daemon's log", "shown", False))


def _contenders(figures: dict, lines: list[str], results: list) -> None:
    steady = figures.get("steady")
    monit, netdata = figures.get("monit"), figures.get("netdata")
    if steady is None:
        return
    ours = steady["cpu_ms_per_tick"]
    peak = figures["sending"]["peak"]["rss_sum_kb"]
    lines += ["", "beside monit and netdata, same host, same children, one-second cadence:",
              (f"  {'':<24} {'CPU/tick':>9} {'% core':>7} {'RSS':>8} {'distinct':>9}"
              "  ttalertd/it (CPU, RSS)"),
              (f"  {'ttalertd (Twilio)':<24} {ours:7.1f}ms {steady['cpu_percent']:6.2f}% "
              f"{peak / MB:6.1f}MB {figures['sending']['peak']['distinct_kb'] / MB:7.1f}MB")]
    for name, found in (("monit", monit), ("netdata", netdata)):
        if found is None:
            lines.append(f"  {name:<24} not installed")
            continue
        label = f"{name} {found['version'].split()[-1]}"
        lines.append(f"  {label:<24} {found['cpu_ms_per_s']:7.1f}ms {found['cpu_percent']:6.2f}% "
                     f"{found['rss_sum_kb'] / MB:6.1f}MB {found['distinct_kb'] / MB:7.1f}MB"
                     f"  {ours / max(found['cpu_ms_per_s'], 1e-9):.3f}, "
                     f"{peak / max(found['rss_sum_kb'], 1):.2f}")  # fmt: skip
    if monit is not None:
        ratio = ours / max(monit["cpu_ms_per_s"], 1e-9)
        results.append(("CPU per tick <= 0.2 x monit's at a one-second cycle",
                        f"{ratio:.3f}", ratio <= MONIT_RATIO))  # fmt: skip


def _start(figures: dict, lines: list[str], results: list) -> None:
    start = figures.get("start")
    if start is None:
        return
    twilio = figures["start_twilio"]
    lines += ["", "start to exit, median of interleaved runs (wall ms / CPU ms):",
              (f"  python -c pass                        {start['python_ms']:6.1f} / "
              f"{start['python_cpu_ms']:6.1f}"),
              (f"  snapshot --replay (no config)         {start['snapshot_ms']:6.1f} / "
              f"{start['snapshot_cpu_ms']:6.1f}   over python: {start['overhead_ms']:.1f} / "
              f"{start['overhead_cpu_ms']:.1f}"),
              (f"  snapshot --replay --config (Twilio)   {twilio['snapshot_ms']:6.1f} / "
              f"{twilio['snapshot_cpu_ms']:6.1f}   over python: {twilio['overhead_ms']:.1f} / "
              f"{twilio['overhead_cpu_ms']:.1f}")]  # fmt: skip
    # CPU time: on an idle machine it is the wall time; on a loaded one wall time measures the
    # neighbours (both are printed)
    results.append(("snapshot start-up over python -c pass (CPU) <= 30 ms",
                    f"{start['overhead_cpu_ms']:.1f} ms (wall {start['overhead_ms']:.1f} ms)",
                    start["overhead_cpu_ms"] <= START_LIMIT_MS))  # fmt: skip
