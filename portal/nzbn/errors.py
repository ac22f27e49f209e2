"""What can go wrong when the portal reads the Companies Register, in words staff understand.

Every error says whether trying again later may help (``retryable``); none of them means
anything was changed, since the portal only reads the register.
"""

REGISTER = "The Companies Office register (NZBN)"


class RegisterError(Exception):
    """Reading the register failed; ``str(error)`` is a sentence for staff."""

    retryable = False

    def __init__(self, detail: str = "", *, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status

    @property
    def message(self) -> str:
        """The sentence shown to staff."""
        return f"{REGISTER} answered in a way the portal did not expect{_because(self.detail)}."

    def __str__(self) -> str:
        return self.message


class NotConfigured(RegisterError):
    """No subscription key: the register features cannot be used yet."""

    @property
    def message(self) -> str:
        return (
            "The portal is not connected to the Companies Office register: set "
            "NZBN_SUBSCRIPTION_KEY to the subscription key from MBIE's API portal "
            "(api.business.govt.nz), or run with PORTAL_SANDBOX=1 to use the register sandbox."
        )


class NotFound(RegisterError):
    """404: no entity with that NZBN."""

    @property
    def message(self) -> str:
        return (
            f"{REGISTER} has no entity with that NZBN{_because(self.detail)}. Search for the "
            "company again by name or company number."
        )


class Unauthorised(RegisterError):
    """401 or 403: the subscription key is missing, wrong or no longer active."""

    @property
    def message(self) -> str:
        return (
            f"{REGISTER} refused the portal's subscription key{_because(self.detail)}. An "
            "administrator can check NZBN_SUBSCRIPTION_KEY and the subscription on MBIE's API "
            "portal. Nothing was changed."
        )


class Unavailable(RegisterError):
    """5xx, timeouts, dropped connections, or a 429 the portal would not wait out."""

    retryable = True

    @property
    def message(self) -> str:
        return (
            f"{REGISTER} is not answering right now{_because(self.detail)}. Nothing was "
            "changed; it is safe to try again in a few minutes."
        )


class RateLimited(Unavailable):
    """429: too many calls; ``retry_after`` says for how long (seconds)."""

    def __init__(self, detail: str = "", *, retry_after: float = 60.0, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        wait = "in a moment" if self.retry_after <= 5 else f"in {round(self.retry_after)} seconds"
        return (
            f"{REGISTER} asked the portal to slow down. Nothing was changed; it is safe to "
            f"try again {wait}."
        )


class Malformed(RegisterError):
    """An answer that cannot be read: not JSON, cut short, oversized or of the wrong shape."""

    @property
    def message(self) -> str:
        return (
            f"{REGISTER} sent an answer the portal could not read{_because(self.detail)}. "
            "Nothing was changed; try again, and tell your administrator if it keeps happening."
        )


class Rejected(RegisterError):
    """400: the register refused the request as asked (a search term it does not take)."""

    @property
    def message(self) -> str:
        return f"{REGISTER} could not answer that request{_because(self.detail)}."


def _because(detail: str) -> str:
    return f" ({detail})" if detail else ""
