"""A host written one sample at a time, and a Runner ticking over it against the Twilio stand-in."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from typing import Any

from incident_kit import BTIME, Proc, Sample, base, loadavg, statvfs, write_sample  # pythonpath

from ttalertd.config.loader import load_config
from ttalertd.read.source import Source
from ttalertd.runner import Runner

SID = "AC" + "5" * 32
TOKEN = "phone-t0ken-7c1e"
OWNER = "+15551234567"
OTHER_OWNER = "+15557654321"
STRANGER = "+15550009999"
TWILIO_NUMBER = "+18885551234"
HOST = "web1"
VAR_BLOCKS = 10_485_760


class Host:
    """Samples of one host, `step` seconds apart on the sample clock (btime + uptime)."""

    def __init__(self, root: str, step: float = 60.0) -> None:
        self.root = root
        self.step = step
        self.uptime = 1000.0
        self.run = 0
        self.index = 0

    @property
    def scenario(self) -> str:
        return os.path.join(self.root, f"run{self.run}")

    @property
    def time(self) -> float:
        """The sample clock of the last sample written."""
        return BTIME + self.uptime - self.step

    def sample(self, *, load: str = "0.30 0.20 0.10", var_free: float = 40.0,
               hog: tuple[str, list[str], float] | None = None) -> float:
        """Write the next sample; `hog` is (comm, argv, percent) of a process busy since boot."""
        procs = base()
        if hog is not None:
            comm, argv, percent = hog
            used = round(percent * (self.uptime - 5.0))  # ticks at `percent` since 5 s up
            procs.append(Proc(4242, comm, 1001, argv, used, 0, 500))
        write_sample(os.path.join(self.scenario, str(self.index)),
                     Sample(f"{self.uptime:.2f} {self.uptime * 1.9:.2f}", loadavg(load), procs,
                            statvfs=statvfs(round(VAR_BLOCKS * var_free / 100))))
        self.index += 1
        self.uptime += self.step
        return self.time

    def restart(self) -> None:
        """Samples go to a new scenario: a daemon started again on the same host."""
        self.run += 1
        self.index = 0


def write_config(path: str, api_url: str, *, commands: bool = True, call: list[str] | None = None,
                 to: list[str] | None = None, webhook: str | None = None,
                 alertmanager: str | None = None, **defaults: object) -> str:
    twilio: dict[str, object] = {"account_sid": SID, "auth_token": TOKEN,
                                 "to": to or [OWNER], "from": TWILIO_NUMBER, "api_url": api_url,
                                 "commands": commands}
    if call:
        twilio["call"] = call
    doc: dict[str, object] = {"host": HOST, "twilio": twilio,
                              "defaults": {"MAX_SMS_PER_HOUR": 60, **defaults}}
    if webhook:
        doc["webhook"] = {"url": webhook}
    if alertmanager:
        doc["alertmanager"] = {"urls": [alertmanager]}
    with open(path, "w") as out:
        json.dump(doc, out)  # JSON is YAML
    os.chmod(path, 0o600)
    return path


class PhoneRun:
    """A Runner over a Host's samples: `tick()` writes the next sample and runs one tick."""

    def __init__(self, host: Host, config_path: str, state_path: str, *,
                 dry_run: bool = False) -> None:
        self.host = host
        self.config = load_config(config_path, env={})
        self.state_path = state_path
        self.dry_run = dry_run
        self.stdout = io.StringIO()
        self.runner = self._start()

    def _start(self) -> Runner:
        runner = Runner(self.config, Source(replay=self.host.scenario), self.state_path,
                        dry_run=self.dry_run, stdout=self.stdout)
        self.host.sample()  # the baseline
        runner.start()
        return runner

    def tick(self, **sample: object):
        self.host.sample(**sample)  # type: ignore[arg-type]
        return self.runner.tick()

    def restart(self) -> None:
        self.runner.save()
        self.host.restart()
        self.runner = self._start()


def phone_maker(directory: Any, api_url: str, *, step: float, **defaults: Any
                ) -> Callable[..., PhoneRun]:
    """make(step=, **config) -> a PhoneRun over a fresh host in `directory` (`step` seconds
    between samples), its config `defaults` with `config` on top."""
    def make(*, step: float = step, **config: Any) -> PhoneRun:
        host = Host(str(directory / "host"), step=step)
        path = write_config(str(directory / "config.yml"), api_url, **{**defaults, **config})
        return PhoneRun(host, path, str(directory / "memory.json"))
    return make
