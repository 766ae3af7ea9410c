"""SMS through the real twilio library; imported only when a message is sent (lean start-up)."""

from __future__ import annotations

import logging
from typing import Any

from ttalertd.notifiers.base import DeliveryError, redact
from ttalertd.notifiers.http import is_transient_status, parse_retry_after
from ttalertd.notify.message import Message

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds; the twilio library waits forever without one


class _InfoAsDebug(logging.LoggerAdapter):
    """twilio logs ten lines per request at INFO (never the Authorization header): ours are DEBUG."""

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.debug(msg, *args, **kwargs)


_http_log = _InfoAsDebug(logging.getLogger(f"{__name__}.http"), {})


class TwilioSMS:
    """One `to` number: one message per send, from a number or a messaging service."""

    rate_limited = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        to: str,
        *,
        from_: str | None = None,
        messaging_service_sid: str | None = None,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.key = f"sms:{to}"
        self.to = to
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from = from_
        self._messaging_service_sid = messaging_service_sid
        self._api_url = api_url
        self._timeout = timeout
        self._client: Any = None
        self._last_retry_after: str | None = None

    def __repr__(self) -> str:  # never the token
        return f"TwilioSMS(to={self.to!r}, account_sid={self._account_sid!r})"

    def send(self, message: Message) -> None:
        """Create one Message resource; map every failure to DeliveryError."""
        import requests.exceptions as http_errors
        from twilio.base.exceptions import TwilioException, TwilioRestException

        fields: dict[str, str] = {"to": self.to, "body": message.text}
        if self._messaging_service_sid:
            fields["messaging_service_sid"] = self._messaging_service_sid
        if self._from:
            fields["from_"] = self._from
        self._last_retry_after = None
        try:
            self._twilio_client().messages.create(**fields)
        except (TwilioRestException, _service_exception()) as error:
            raise self._refusal(error) from None
        except (http_errors.ConnectionError, http_errors.Timeout) as error:
            raise self._unreachable(error) from None
        except (http_errors.InvalidURL, http_errors.MissingSchema, http_errors.InvalidSchema) as error:
            raise DeliveryError(self._clean(f"bad Twilio api_url: {error}"), permanent=True) from None
        except (http_errors.RequestException, TwilioException, ValueError) as error:
            # a garbled answer or a broken connection mid-way: the send may be retried safely
            raise DeliveryError(self._clean(f"twilio: {type(error).__name__}: {error}"),
                                permanent=False) from None

    def _twilio_client(self) -> Any:
        """The client, built once: explicit timeout, base URL of a Twilio-compatible endpoint."""
        if self._client is None:
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            http_client = TwilioHttpClient(
                timeout=self._timeout,
                logger=_http_log,
                request_hooks={"response": [self._remember_response]},
            )
            client = Client(self._account_sid, self._auth_token, http_client=http_client)
            if self._api_url:
                # every v2010 URL is built from the Api domain's base_url at request time
                client.api.base_url = self._api_url.rstrip("/")
            self._client = client
        return self._client

    def _remember_response(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """requests hook: keep Retry-After, which TwilioRestException does not carry."""
        self._last_retry_after = response.headers.get("Retry-After")
        return response

    def _refusal(self, error: Any) -> DeliveryError:
        """Twilio answered with an error: retry on 429/5xx, give up on any other status."""
        status = int(getattr(error, "status", 0) or 0)
        code = getattr(error, "code", None)
        text = getattr(error, "msg", None) or " ".join(
            str(part) for part in (getattr(error, "title", ""), getattr(error, "detail", "")) if part
        )
        hint = f" (https://www.twilio.com/docs/errors/{code})" if code and code != status else ""
        detail = self._clean(f"twilio HTTP {status}, error {code}: {text}{hint}")
        if is_transient_status(status):
            retry_after = parse_retry_after(self._last_retry_after)
            return DeliveryError(detail, permanent=False, retry_after=retry_after)
        return DeliveryError(detail, permanent=True)

    def _unreachable(self, error: Exception) -> DeliveryError:
        """Refused, DNS failure, timeout: the endpoint may come back."""
        return DeliveryError(self._clean(f"twilio unreachable: {type(error).__name__}: {error}"),
                             permanent=False)

    def _clean(self, text: str) -> str:
        return redact(text, self._auth_token)


def _service_exception() -> type[Exception]:
    """twilio's RFC-9457 error class where the installed version has it (9.x newer releases)."""
    from twilio.base import exceptions

    found = getattr(exceptions, "TwilioServiceException", None)
    return found if isinstance(found, type) else exceptions.TwilioRestException
