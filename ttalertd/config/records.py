"""The validated config records; ttalertd.config builds them from credentials.yml."""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False  # ipaddress only where TRUSTED_LOGINS has a CIDR: ~1 ms of every start
if TYPE_CHECKING:
    import ipaddress

    from ttalertd.config.linear_regex import LinearPattern

    IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """A config that cannot be used: one line that names the key (never a secret)."""

    def __init__(self, message: str) -> None:
        # one line whatever a key or value held: the CLI prints it as the only line
        super().__init__(" ".join(str(message).splitlines()))


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """Where and how SMS go: one message per `to` number."""

    account_sid: str
    auth_token: str = field(repr=False)
    to: tuple[str, ...]
    from_: str | None = None
    messaging_service_sid: str | None = None
    api_url: str | None = None  # None: the twilio library's own endpoint
    commands: bool = False  # act on replies to `from_` (interface.md section 11)
    call: tuple[str, ...] = ()  # numbers called when an alert is not acknowledged


@dataclass(frozen=True, slots=True)
class AlertmanagerConfig:
    """Alertmanager instances that each get every alert (an HA pair gets both)."""

    urls: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    bearer_token: str | None = field(default=None, repr=False)
    watch_peers: bool = False  # post a heartbeat and watch the peers' (interface.md section 10)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """One JSON POST per message to `url`, with `headers`."""

    url: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class HeartbeatConfig:
    """A dead man's switch: one GET of `url` per tick, `fail_url` when the tick could not
    deliver."""

    url: str = field(repr=False)  # its path or query may be the secret
    fail_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TrustedLogin:
    """A TRUSTED_LOGINS entry: `user`, `@CIDR` or `user@CIDR`."""

    user: str | None
    network: IPNetwork | None

    def matches(self, user: str, host: str) -> bool:
        """True when a login of `user` from `host` ("" for local) is covered by this rule."""
        if self.user is not None and self.user != user:
            return False
        if self.network is None:
            return True
        address = _host_address(host)
        if address is None:
            return False
        if address in self.network:
            return True
        # an IPv4 client reported as ::ffff:a.b.c.d still belongs to an IPv4 rule
        mapped = getattr(address, "ipv4_mapped", None)
        return mapped is not None and mapped in self.network

    def __str__(self) -> str:
        if self.network is None:
            return self.user or ""
        return f"{self.user or ''}@{self.network}"


def _host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a utmp/logind host names, or None for a host name or a local login."""
    text = host.strip()
    if text.startswith("[") and "]" in text:  # "[::1]" or "[::1]:22"
        text = text[1 : text.index("]")]
    text = text.split("%", 1)[0]  # drop an IPv6 zone such as fe80::1%eth0
    import ipaddress

    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """QUIET_HOURS as minutes after local midnight; start inclusive, end exclusive."""

    start_minute: int
    end_minute: int

    def contains(self, minute_of_day: int) -> bool:
        """True when `minute_of_day` (0..1439) falls inside the quiet hours."""
        if self.start_minute <= self.end_minute:
            return self.start_minute <= minute_of_day < self.end_minute
        return minute_of_day >= self.start_minute or minute_of_day < self.end_minute

    def __str__(self) -> str:
        start, end = self.start_minute, self.end_minute
        return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the daemon reads from credentials.yml, with the built-in defaults."""

    path: str | None = None  # the file read, None for built-in defaults
    load_avg_max: float = 1.2
    cpu_limit: float = 20.0
    alert_interval: float = 60.0  # seconds between ticks
    reset_interval: float = 60.0  # ticks
    top_n: int = 8
    max_sms_per_hour: int = 10
    for_ticks: int = 1
    recover_ratio: float = 0.8
    notify_recovery: bool = True
    mem_available_min: float | None = 10.0  # percent; None: off
    swap_used_max: float | None = None
    disk_free_min: float | None = 5.0
    # linear-time matchers: a user's command line cannot stall a tick
    exclude_processes: tuple[LinearPattern, ...] = ()
    trusted_logins: tuple[TrustedLogin, ...] = ()
    quiet_hours: QuietHours | None = None
    load_escalate_ratio: float = 1.5  # a firing load alerts again above the last figure x this
    sms_max_segments: int = 3  # GSM-7 segments an SMS body may take
    call_after: float = 15.0  # minutes alerted and unacknowledged before a call
    peer_silent_ticks: int = 3  # ticks after its last heartbeat before a peer is silent
    peer_stop_grace_minutes: float = 15.0  # a cleanly stopped peer is silent only after this
    peer_forget_hours: float = 24.0  # a peer silent this long is no longer watched
    host: str | None = None  # the name on every message; None: socket.gethostname()
    heartbeat: HeartbeatConfig | None = None
    twilio: TwilioConfig | None = None
    alertmanager: AlertmanagerConfig | None = None
    webhook: WebhookConfig | None = None
