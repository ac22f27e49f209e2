"""Second factors: an authenticator app (TOTP, RFC 6238), passkeys (WebAuthn) and one-time
recovery codes. Every check here accepts a code or an assertion once; the views rate-limit
them and record them in the audit log."""

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
import webauthn
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.database import utcnow
from portal.models import Passkey, RecoveryCode, User
from portal.vault import TokenVault

ISSUER = "Portal"
RECOVERY_CODES = 10
#: 16 characters of base32: 80 random bits each, so SHA-256 is hash enough.
RECOVERY_CODE_LENGTH = 16
#: A code from the step before or after the current one is accepted (clocks drift).
TOTP_DRIFT_STEPS = 1


class NotAccepted(ValueError):
    """The code or passkey answer was wrong, used before, or expired; the message says which."""


# --- Authenticator app ----------------------------------------------------------------------
def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn on the server (no script, no image host)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, svgclass="qr-code")


def grouped(secret: str) -> str:
    """The secret in groups of four, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, within the allowed drift, or None."""
    code = _digits(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_totp(db: Session, vault: TokenVault, user: User, code: str) -> None:
    """Accept ``code`` for ``user``'s app once; raise NotAccepted otherwise. The step is
    claimed with a conditional UPDATE, so two requests with one code cannot both pass."""
    if user.totp_secret is None:
        raise NotAccepted("No authenticator app is set up.")
    step = totp_step(vault.open(user.totp_secret), code)
    if step is None:
        raise NotAccepted("That code is not the one your authenticator app shows now.")
    claimed = db.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    ).rowcount
    if claimed != 1:
        raise NotAccepted("That code has been used already; wait for the next one.")


def enrol_totp(db: Session, vault: TokenVault, user: User, secret: str, code: str) -> None:
    """Keep ``secret`` as ``user``'s app once they prove their app shows its codes."""
    step = totp_step(secret, code)
    if step is None:
        raise NotAccepted("That code does not match: check the app's clock and try the next one.")
    user.totp_secret = vault.seal(secret)
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step


def remove_totp(user: User) -> None:
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None


# --- Recovery codes -----------------------------------------------------------------------
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # base32 without I, O, 0 and 1


def _normalised(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def new_recovery_codes(db: Session, user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones, returned once for display."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)))
        db.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def recovery_codes_left(db: Session, user_id: int) -> int:
    return db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(db: Session, user: User, code: str) -> None:
    """Spend one of ``user``'s recovery codes; raise NotAccepted if it is not an unused one."""
    if len(_normalised(code)) != RECOVERY_CODE_LENGTH:
        raise NotAccepted("A recovery code has 16 letters and digits, like ABCD-EFGH-JKLM-NPQR.")
    spent = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if spent != 1:
        raise NotAccepted("That is not one of your unused recovery codes.")


# --- Passkeys ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are registered with: a domain name (never an IP address) and the origin
    pages are served from. ``problem`` says why passkeys cannot be used here, if they can't."""

    rp_id: str | None
    origin: str | None
    problem: str | None = None


def relying_party(config, host: str, host_url: str) -> RelyingParty:
    """From WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN; outside production, from the request's host."""
    rp_id, origin = config.get("WEBAUTHN_RP_ID"), config.get("WEBAUTHN_ORIGIN")
    if not rp_id or not origin:
        if config["PORTAL_ENV"] == "production":
            return RelyingParty(
                None, None, "Passkeys need WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN to be set."
            )
        rp_id = rp_id or host.rsplit(":", 1)[0].strip("[]")
        origin = origin or host_url.rstrip("/")
    try:
        ipaddress.ip_address(rp_id)
    except ValueError:
        return RelyingParty(rp_id, origin)
    return RelyingParty(
        None,
        None,
        f"Browsers allow passkeys only on a domain name, not on an address such as {rp_id}: "
        f"open the portal at {origin.replace(rp_id, 'localhost', 1)} to add or use one.",
    )


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in user.passkeys]


def registration_options(party: RelyingParty, user: User) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.create`` as JSON, and their challenge."""
    options = webauthn.generate_registration_options(
        rp_id=party.rp_id,
        rp_name=ISSUER,
        user_name=user.email,
        user_id=user.id.to_bytes(8, "big"),
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return webauthn.options_to_json(options), options.challenge


def register_passkey(
    party: RelyingParty, user: User, challenge: bytes, credential: str, name: str
) -> Passkey:
    """Check the browser's answer to ``registration_options`` and keep the new passkey."""
    try:
        verified = webauthn.verify_registration_response(
            credential=_credential_json(credential),
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise NotAccepted(f"The passkey could not be added: {error}") from None
    passkey = Passkey(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
    )
    user.passkeys.append(passkey)
    return passkey


def authentication_options(party: RelyingParty, user: User) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.get`` with ``user``'s passkeys, and the challenge."""
    options = webauthn.generate_authentication_options(
        rp_id=party.rp_id,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options), options.challenge


def check_passkey(
    db: Session, party: RelyingParty, user: User, challenge: bytes, credential: str
) -> Passkey:
    """Check the browser's answer to ``authentication_options``; the passkey it used."""
    answer = _credential_json(credential)
    try:
        raw_id = webauthn.base64url_to_bytes(str(answer.get("rawId") or answer.get("id") or ""))
    except ValueError:
        raise NotAccepted("The browser's passkey answer was not readable.") from None
    passkey = next((key for key in user.passkeys if key.credential_id == raw_id), None)
    if passkey is None:
        raise NotAccepted("That passkey is not one registered for your account.")
    try:
        verified = webauthn.verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise NotAccepted(f"The passkey's answer was not accepted: {error}") from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    db.flush()
    return passkey


def _credential_json(text: str) -> dict:
    try:
        answer = json.loads(text)
    except ValueError:
        raise NotAccepted("The browser's passkey answer was not readable.") from None
    if not isinstance(answer, dict):
        raise NotAccepted("The browser's passkey answer was not readable.")
    return answer


def reset(db: Session, user: User) -> None:
    """Remove every second factor of ``user``: app, passkeys and recovery codes."""
    remove_totp(user)
    user.passkeys.clear()
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
