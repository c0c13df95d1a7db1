"""The second factor: TOTP enrolment and verification around django-otp's devices."""

import secrets
import time
from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.core.numbers import whole_number

from .models import User

DEVICE_NAME = "Authenticator app"
SETUP_SESSION_KEY = "pont_totp_setup_key"


def confirmed_device_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def new_setup_key() -> str:
    """Return a fresh 160-bit secret, hex-encoded, as django-otp stores it."""
    return secrets.token_hex(20)


def manual_entry_key(key_hex: str) -> str:
    """Return the secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(unhexlify(key_hex)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: User, key_hex: str) -> str:
    """Return the otpauth:// URI that an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key_hex, name=DEVICE_NAME).config_url


def qr_code_svg(uri: str) -> str:
    """Return the QR code as inline SVG markup (no image request, no inline style)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#0b0c0c", light="#ffffff", border=2)


def _totp(key_hex: str) -> TOTP:
    totp = TOTP(unhexlify(key_hex), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return totp


def verify_enrolment(user: User, key_hex: str, token: str) -> TOTPDevice | None:
    """Create the user's confirmed device if token is the current code for key_hex.

    Nothing is stored until a code proves the app holds the secret, so a
    half-finished enrolment leaves no device behind.
    """
    token = (token or "").replace(" ", "")
    if not (len(token) == 6 and whole_number(token) is not None):
        return None
    totp = _totp(key_hex)
    if not totp.verify(int(token), tolerance=1):
        return None
    with transaction.atomic():
        if confirmed_device_for(user) is not None:
            return None
        return TOTPDevice.objects.create(
            user=user, key=key_hex, name=DEVICE_NAME, confirmed=True, last_t=totp.t()
        )


def verify_sign_in(user: User, device: TOTPDevice, token: str) -> bool:
    """Check a code against the user's device: throttled, and each code works once."""
    token = (token or "").replace(" ", "")
    if not (len(token) == 6 and whole_number(token) is not None):
        # Count malformed codes as failures too, so guessing is throttled either way.
        device.throttle_increment(commit=True)
        return False
    return verify_token(user, device.persistent_id, token) is not None


def current_code(device: TOTPDevice) -> str:
    """Return the device's code for now. Demo only: refused unless PONT_DEMO_TOOLS is on."""
    if not demo_tools_enabled():
        raise PermissionError("Demo tools are disabled in this deployment.")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def demo_tools_enabled() -> bool:
    """Demo conveniences need the setting on, and are never available in production."""
    return bool(settings.PONT_DEMO_TOOLS) and settings.PONT_DEPLOYMENT != "production"
