"""credentials.yml: find it, read it, validate every key, and say in one line what it sets.

Both forms of interface.md section 2 are read, plus the keys of sections 8 and 9. Every
problem is a ConfigError whose text is one line naming the key; secrets never appear in it.
"""

from __future__ import annotations

import functools
import logging
import os
import stat
from collections.abc import Mapping

from ttalertd.config.aliases import check_alias_expansion
from ttalertd.config.defaults import parse_defaults
from ttalertd.config.records import (
    Config,
    ConfigError,
)
from ttalertd.config.secrets import config_secrets, display_url, redact
from ttalertd.config.sections import (
    parse_alertmanager,
    parse_heartbeat,
    parse_host,
    parse_twilio,
    parse_webhook,
)
from ttalertd.config.values import check_mapping, type_name

TYPE_CHECKING = False  # typing costs ~3 ms of every start; Any is for annotations only
if TYPE_CHECKING:
    from typing import Any

log = logging.getLogger("ttalertd.config")

ENV_CONFIG = "TTALERTD_CONFIG"
LOCAL_CONFIG = "credentials.yml"
SYSTEM_CONFIG = "/etc/ttalertd/credentials.yml"
# the system-wide file searched last: another path for a packager, '' for none (the tests set it,
# so that no test ever reads this machine's /etc/ttalertd)
ENV_SYSTEM_CONFIG = "TTALERTD_SYSTEM_CONFIG"
TOP_LEVEL_KEYS = ("twilio", "defaults", "alertmanager", "webhook", "heartbeat", "host")
DEFAULT_TWILIO_API = "https://api.twilio.com"


@functools.cache
def _yaml_and_loader() -> tuple[Any, Any]:
    """The safe loader, built on first use: importing PyYAML costs ~12 ms and ~1.5 MB of RSS,
    which a run without a config file (snapshot, the console default) never needs."""
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """The safe loader, with a bad scalar (a 13th month, `!!int x`) reported at its line."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except yaml.YAMLError:
                raise
            # PyYAML's constructors trip over explicit tags on odd text ("!!timestamp x"): any
            # failure of theirs is a bad value at this node, not a bug of ours
            except Exception as error:  # noqa: BLE001
                # a ValueError says why ("month must be in 1..12"); the others only PyYAML's bug
                why = f" ({error})" if isinstance(error, ValueError | OverflowError) else ""
                problem = f"cannot read this {str(node.tag).rsplit(':', 1)[-1]} value{why}"
                raise yaml.constructor.ConstructorError(
                    None, None, problem, node.start_mark
                ) from None

    return yaml, _Loader


def find_config_path(cli_path: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """--config, else $TTALERTD_CONFIG, else ./credentials.yml, else the system-wide file
    ($TTALERTD_SYSTEM_CONFIG, default /etc/ttalertd/credentials.yml), else None.

    A file named by --config or TTALERTD_CONFIG must exist; the search paths may not.
    """
    named = cli_path if cli_path is not None else (env.get(ENV_CONFIG) or None)
    if named is not None:
        if not os.path.exists(named):
            raise ConfigError(f"config: {named} does not exist")
        return named
    for candidate in (LOCAL_CONFIG, env.get(ENV_SYSTEM_CONFIG, SYSTEM_CONFIG)):
        if candidate and os.path.isfile(candidate):
            # absolute, so a reload finds the same file whatever the working directory
            return os.path.abspath(candidate)
    return None


def load_config(path: str | None, env: Mapping[str, str] = os.environ) -> Config:
    """The validated config of `path`; None gives the built-in defaults (console notifier).

    TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_API_URL in `env` override the file.
    Without a twilio section they cannot say where to send, so the console stays (with a
    warning). Refuses a file that goes with a secret and that group or others may write (or
    replace); warns when they may read it.
    """
    if path is None:
        return Config(twilio=parse_twilio(None, env))
    document = _read_yaml(path)
    try:
        config = _build(path, document, env)
    except ConfigError as error:
        # a value echoed in a message could be a misplaced secret: never print one
        raise ConfigError(redact(str(error), *config_secrets(document, env))) from None
    if config_secrets(document, env):  # the file's, or the environment's it would send on
        _check_permissions(path)
    return config


def _build(path: str, document: Any, env: Mapping[str, str]) -> Config:
    if document is None:  # an empty file, or only comments
        return Config(path=path, twilio=parse_twilio(None, env))
    if not isinstance(document, Mapping):
        raise ConfigError(
            f"{path}: must be a mapping with twilio and defaults sections, "
            f"not {type_name(document)}"
        )
    sections = check_mapping("", document, TOP_LEVEL_KEYS)
    return Config(
        path=path,
        twilio=parse_twilio(sections.get("twilio"), env),
        alertmanager=parse_alertmanager(sections.get("alertmanager")),
        webhook=parse_webhook(sections.get("webhook")),
        heartbeat=parse_heartbeat(sections.get("heartbeat")),
        host=parse_host(sections.get("host")),
        **parse_defaults(sections.get("defaults")),
    )


def _read_yaml(path: str) -> Any:
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except IsADirectoryError:
        raise ConfigError(f"config: {path} is a directory, not a file") from None
    except FileNotFoundError:
        raise ConfigError(f"config: {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"config: cannot read {path}: {error.strerror}") from None
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path} line {line}: not UTF-8 text") from None
    yaml, loader_class = _yaml_and_loader()
    loader = loader_class(source)  # derives from the safe loader
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_alias_expansion(path, node)  # before any value is built, let alone rendered
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = error.problem or error.context or "not valid YAML"
        raise ConfigError(f"{path}{where}: {_one_line(problem)}") from None
    except yaml.reader.ReaderError as error:
        at = source.count("\n", 0, error.position) + 1
        char = error.character
        shown = f" (character #x{char:04x})" if isinstance(char, int) else ""
        raise ConfigError(f"{path} line {at}: {_one_line(error.reason)}{shown}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {_one_line(str(error))}") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply") from None
    finally:
        loader.dispose()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _check_permissions(path: str) -> None:
    """As ssh refuses a key others may write: whoever can write this file (or replace it in its
    directory) could point api_url at themselves and receive the secrets. A readable one warns."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) and mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(f"{path}: holds a secret but group or others may write it (mode "
                          f"{stat.S_IMODE(mode):04o}); fix it with: chmod go-w {path}")
    for directory in dict.fromkeys(os.path.dirname(p) for p in (os.path.abspath(path),
                                                              os.path.realpath(path))):
        try:
            dir_mode = os.stat(directory).st_mode
        except OSError:
            continue
        if dir_mode & stat.S_IWOTH and not dir_mode & stat.S_ISVTX:
            raise ConfigError(
                f"{path}: holds a secret but sits in {directory}, which anyone may write (mode "
                f"{stat.S_IMODE(dir_mode):04o}, no sticky bit); fix it with: chmod o-w {directory}")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s is readable by group or others (mode %04o) and holds a secret: chmod 600 %s",
            path,
            stat.S_IMODE(mode),
            path,
        )


def describe(config: Config) -> str:
    """The one-line check-config summary: where alerts go and the main thresholds."""
    if config.path is None:
        head = "ok: no config file found: the built-in defaults and the console notifier apply"
    else:
        head = f"ok: {config.path}: {_destinations(config)}"
    numbers = (
        f"LOAD_AVG_MAX {config.load_avg_max}, CPU_LIMIT {config.cpu_limit}, "
        f"ALERT_INTERVAL {config.alert_interval}s, RESET_INTERVAL {config.reset_interval:g} "
        f"ticks, TOP_N {config.top_n}, MAX_SMS_PER_HOUR {config.max_sms_per_hour}"
    )
    extras = _non_default_quality_keys(config)
    return f"{head}; {numbers}" + (f"; {extras}" if extras else "")


def _destinations(config: Config) -> str:
    parts = []
    if config.twilio is not None:
        count = len(config.twilio.to)
        sms = f"SMS to {count} number{'s' if count != 1 else ''}"
        parts.append(f"{sms} via {display_url(config.twilio.api_url or DEFAULT_TWILIO_API)}")
    if config.alertmanager is not None:
        count = len(config.alertmanager.urls)
        parts.append(f"Alertmanager at {count} URL{'s' if count != 1 else ''}")
    if config.webhook is not None:
        parts.append(f"webhook to {display_url(config.webhook.url)}")
    if not parts:
        parts.append("console notifier (no twilio, alertmanager or webhook)")
    if config.alertmanager is not None and config.alertmanager.watch_peers:
        parts.append("watching peers")
    if config.heartbeat is not None:  # its path or query is the check's secret id
        parts.append(f"heartbeat to {display_url(config.heartbeat.url, path_secret=True)}")
    return ", ".join(parts)


def _non_default_quality_keys(config: Config) -> str:
    """The section 8 keys that differ from their defaults, so the summary shows what was set."""
    default = Config()
    shown = []
    simple = (
        ("FOR_TICKS", "for_ticks"),
        ("RECOVER_RATIO", "recover_ratio"),
        ("NOTIFY_RECOVERY", "notify_recovery"),
        ("MEM_AVAILABLE_MIN", "mem_available_min"),
        ("SWAP_USED_MAX", "swap_used_max"),
        ("DISK_FREE_MIN", "disk_free_min"),
    )
    for key, name in simple:
        value = getattr(config, name)
        if value != getattr(default, name):
            shown.append(f"{key} {'off' if value is None else value}")
    if config.exclude_processes:
        shown.append(f"EXCLUDE_PROCESSES {len(config.exclude_processes)}")
    if config.trusted_logins:
        shown.append(f"TRUSTED_LOGINS {len(config.trusted_logins)}")
    if config.quiet_hours is not None:
        shown.append(f"QUIET_HOURS {config.quiet_hours}")
    return ", ".join(shown)
