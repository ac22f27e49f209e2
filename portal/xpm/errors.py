"""What can go wrong when the portal reads from XPM or WorkflowMax, in words staff understand.

Every error says whether trying again later may help (``retryable``) and carries Xero's
``xero-correlation-id`` when the failed response had one, so support can trace the call.
The message is built when it is shown, because the client fills in which system answered
(Xero Practice Manager or WorkflowMax) after the error has been raised.
"""

from portal.reference import PROVIDER_LABELS

XPM = PROVIDER_LABELS["xpm"]
WORKFLOWMAX = PROVIDER_LABELS["workflowmax"]


class XpmError(Exception):
    """Reading from the practice manager failed; ``str(error)`` is a sentence for staff."""

    retryable = False

    def __init__(
        self,
        detail: str = "",
        *,
        retryable: bool | None = None,
        status: int | None = None,
        correlation_id: str | None = None,
        system: str = XPM,
    ):
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.correlation_id = correlation_id
        self.system = system
        if retryable is not None:
            self.retryable = retryable

    @property
    def message(self) -> str:
        """The sentence shown to staff."""
        return f"{self.system} answered in a way the portal did not expect ({self.detail})."

    def __str__(self) -> str:
        return self.message


class XpmAuthError(XpmError):
    """401: the access token was refused, even after one refresh, or the refresh failed."""

    @property
    def message(self) -> str:
        return (
            f"The portal's connection to {self.system} has expired or was revoked"
            f"{_because(self.detail)}. A firm administrator can reconnect it under "
            "Settings → Add-ons."
        )


class XpmForbidden(XpmError):
    """403: the wrong practice, or a connecting user without the access XPM requires."""

    @property
    def message(self) -> str:
        return (
            f"{self.system} refused access{_because(self.detail)}. Either the add-on is "
            "connected to a different practice, or the person who connected it does not "
            "have the “Authorise 3rd Party Full Access” privilege in XPM. A firm "
            "administrator can check this and reconnect under Settings → Add-ons."
        )


class XpmRateLimited(XpmError):
    """429: the practice's share of calls is used up; ``retry_after`` says for how long."""

    retryable = True

    def __init__(
        self, detail: str = "", *, retry_after: float = 60.0, problem: str = "minute", **kwargs
    ):
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
        self.problem = problem

    @property
    def message(self) -> str:
        limit = {
            "minute": "limit of 60 calls a minute for your practice",
            "day": "limit of 5,000 calls a day for your practice",
            "concurrent": "limit of 5 calls at a time for your practice",
            "appminute": "limit of calls a minute for this portal, across all practices",
        }.get(self.problem, "call limit")
        return (
            f"{self.system}'s {limit} has been reached. Nothing was changed; "
            f"try again {_in_time(self.retry_after)}."
        )


class LimiterBusy(XpmRateLimited):
    """The portal held a call back itself rather than let XPM answer 429."""

    @property
    def message(self) -> str:
        return (
            f"The portal is pacing its calls to {self.system} so your practice stays within "
            f"Xero's limits, and none was free in time. Nothing was changed; try again "
            f"{_in_time(self.retry_after)}."
        )


class CallAbandoned(XpmError):
    """A call waiting for a slot was given up: nobody waits for its answer any more (the
    page that asked for it has been left)."""

    @property
    def message(self) -> str:
        return f"Nobody was waiting for {self.system}'s answer any more, so it was not asked."


class LimiterUnavailable(XpmError):
    """The store that paces calls across workers (Redis) did not answer."""

    retryable = True

    @property
    def message(self) -> str:
        return (
            f"The portal could not check its pace of calls to {self.system}, because its "
            "shared counter (Redis) is not answering. Nothing was changed; try again, and "
            "tell your administrator if it keeps happening."
        )


class XpmUnavailable(XpmError):
    """500, 502, 503, 504, timeouts and dropped connections."""

    retryable = True

    @property
    def message(self) -> str:
        return (
            f"{self.system} is not answering right now{_because(self.detail)}. Nothing was "
            "changed; try again in a few minutes."
        )


class XpmBadResponse(XpmError):
    """A response that is not safe or not possible to read: hostile, oversized, malformed."""

    @property
    def message(self) -> str:
        return (
            f"{self.system} sent a response the portal could not read safely"
            f"{_because(self.detail)}. Nothing was changed; try again, and tell your "
            "administrator if it keeps happening."
        )


class XpmBusinessError(XpmError):
    """HTTP 200 with ``<Status>ERROR</Status>``: XPM refused the request and said why."""

    @property
    def message(self) -> str:
        said = self.detail or "no reason given"
        return f"{self.system} could not do that. It said: {said}"


class XpmNotFound(XpmBusinessError):
    """The client or group asked for does not exist (any more) in XPM."""

    @property
    def message(self) -> str:
        return (
            f"{self.system} has no such record{_because(self.detail)}. It may have been "
            "deleted or merged; search for it again."
        )


class XpmWriteRefused(XpmError):
    """A programming error: something asked the read-only client to change XPM."""

    @property
    def message(self) -> str:
        return f"The portal only reads from {self.system}; it refused to send {self.detail}."


def _because(detail: str) -> str:
    return f" ({detail})" if detail else ""


def _in_time(seconds: float) -> str:
    if seconds <= 5:
        return "in a moment"
    if seconds < 90:
        return f"in {round(seconds)} seconds"
    if seconds < 90 * 60:
        return f"in {round(seconds / 60)} minutes"
    return f"in about {round(seconds / 3600)} hours"
