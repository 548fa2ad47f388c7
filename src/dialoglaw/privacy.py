"""Privacy of personal data: a keyed-hash suppression list, and masked output.

**Suppression list.** After an objection to direct marketing the data "shall no longer be
processed for such purposes" (Art. 21 Abs. 3 DSGVO), and the person may ask for erasure
(Art. 17 Abs. 1 lit. c DSGVO). Erasing everything would let the address come back (bought
again, typed in again) and be advertised to: the objection must keep working. A
:class:`SuppressionList` therefore keeps only a keyed hash of each address — HMAC-SHA-256
under a secret key the caller holds — and the channels the person objected to. Without
the key the stored digests cannot be tested against guessed addresses; with it, a
contact's e-mail address or phone numbers are hashed the same way and compared.

What is hashed (the *canonical form*):

* e-mail: the address as :func:`dialoglaw.normalize.normalize_email` normalises it (IDNA
  domains decoded to Unicode, lower-case domain, NFC), then **case-folded as a whole,
  local part included**, and NFC-normalised again. RFC 5321 lets a mail server treat
  ``Max@`` and ``max@`` as different mailboxes, but practically none does; for a
  suppression list a false match only means one fewer advertisement, a missed match means
  an objection ignored. Case-folding is the cautious choice. (Other "equivalences" such
  as dots or ``+tags`` in Gmail addresses are provider conventions and are *not* applied.)
* phone: the E.164 form from :func:`dialoglaw.normalize.normalize_phone`
  (``0171 1234567`` in region DE and ``+49 171 1234567`` are the same number).

The HMAC input is ``"email:" + address`` or ``"phone:" + e164`` (UTF-8), so an address
and a number can never collide. A list is stored with :meth:`SuppressionList.to_lines`:
a header with a *key check value* (an HMAC of a fixed text, which reveals nothing about
the key) and one line per digest with its channels — never the key, never an address in
clear. :meth:`SuppressionList.from_lines` refuses a list written under another key:
loading it silently would match nobody and ignore every objection (fail closed).

**Masked output.** ``repr()`` of contacts masks e-mail addresses, phone numbers and the
other contact points; errors never echo them. A reviewer who needs to see the values in a
notebook can opt in for a block of code with :func:`reveal_personal_data`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from dialoglaw.channels import Channel
from dialoglaw.errors import InputError, Problem
from dialoglaw.facts import Contact
from dialoglaw.normalize import REVEAL_PERSONAL_DATA, PhoneNumber, normalize_email, normalize_phone

__all__ = [
    "FORMAT",
    "MIN_KEY_BYTES",
    "SuppressionList",
    "canonical_email",
    "digest_email",
    "digest_phone",
    "personal_data_revealed",
    "reveal_personal_data",
]

MIN_KEY_BYTES = 16
"""The shortest key accepted (128 bits). Use ``secrets.token_bytes(32)``."""
FORMAT = "dialoglaw-suppression/1 hmac-sha256"
"""The format named in the header line of a stored list."""

_KEY_CHECK_TEXT = b"dialoglaw suppression list key check"
_HEADER = re.compile(r"^# dialoglaw-suppression/1 hmac-sha256 key-check=([0-9a-f]{16})$")
_ENTRY = re.compile(r"^([0-9a-f]{64}) (\*|[a-z_]+(?:,[a-z_]+)*)$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MODEL = "suppression list"
_HEADER_NEEDED = f"must be the header line of the {FORMAT} format"

Channels = frozenset[Channel] | None
"""The channels of an entry; None: every channel (a general objection)."""


def _key(key: Any) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise InputError.single(_MODEL, "key", "must be bytes (e.g. secrets.token_bytes(32))")
    if len(key) < MIN_KEY_BYTES:
        raise InputError.single(
            _MODEL, "key", f"must be at least {MIN_KEY_BYTES} bytes long (e.g. secrets.token_bytes(32))"
        )
    return bytes(key)


def _hmac(key: bytes, kind: str, value: str) -> str:
    data = f"{kind}:{value}".encode("utf-8", "surrogatepass")
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def canonical_email(address: str) -> str:
    """The form of an e-mail address that is hashed: normalised, case-folded, NFC.

    Raises :class:`~dialoglaw.InputError` for an invalid address (never echoing it).
    """
    return unicodedata.normalize("NFC", normalize_email(address, field="address").casefold())


def digest_email(address: str, key: bytes) -> str:
    """The keyed digest (64 hex digits) of an e-mail address."""
    return _hmac(_key(key), "email", canonical_email(address))


def _e164(number: str | PhoneNumber, region: str) -> str:
    if isinstance(number, PhoneNumber):
        number = number.e164
    if not isinstance(region, str) or not re.fullmatch(r"[A-Za-z]{2}", region.strip()):
        raise InputError.single("phone number", "region", "must be a two-letter ISO 3166 code")
    return normalize_phone(number, region=region.strip().upper(), field="number").e164


def digest_phone(number: str | PhoneNumber, key: bytes, *, region: str = "DE") -> str:
    """The keyed digest (64 hex digits) of a telephone number, read in ``region``."""
    return _hmac(_key(key), "phone", _e164(number, region))


def _channels(channels: Iterable[Channel | str] | None) -> Channels:
    if channels is None:
        return None
    if isinstance(channels, str):
        channels = (channels,)
    try:
        parsed = frozenset(Channel(c) for c in channels)
    except (ValueError, TypeError):
        known = ", ".join(c.value for c in Channel)
        raise InputError.single(_MODEL, "channels", f"must name known channels ({known})") from None
    if not parsed:
        raise InputError.single(_MODEL, "channels", "must not be empty (use None for every channel)")
    return parsed


def _merge(old: Channels, new: Channels) -> Channels:
    # Two entries for one person: the wider objection wins (fail closed).
    if old is None or new is None:
        return None
    return old | new


def _ordered(channels: frozenset[Channel]) -> list[Channel]:
    return [c for c in Channel if c in channels]


class SuppressionList:
    """Keyed hashes of the e-mail addresses and phone numbers of people who objected.

    An entry identifies a person; its channels say what they objected to (``None``: all
    direct marketing). When any contact point of a contact matches an entry, the
    entry's channels are suppressed for that contact — whichever contact point matched.
    The key never leaves the object (not in ``repr()``, not in :meth:`to_lines`).
    """

    __slots__ = ("__weakref__", "_entries", "_key")

    def __init__(self, key: bytes) -> None:
        self._key = _key(key)
        self._entries: dict[str, Channels] = {}

    # -- digests ------------------------------------------------------------------------

    def digest_email(self, address: str) -> str:
        """The digest of ``address`` under this list's key."""
        return _hmac(self._key, "email", canonical_email(address))

    def digest_phone(self, number: str | PhoneNumber, region: str = "DE") -> str:
        """The digest of ``number`` (read in ``region``) under this list's key."""
        return _hmac(self._key, "phone", _e164(number, region))

    @property
    def key_check(self) -> str:
        """A short check value of the key (reveals nothing about it), stored in the header."""
        return hmac.new(self._key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()[:16]

    # -- entries ------------------------------------------------------------------------

    def add_email(self, address: str, channels: Iterable[Channel | str] | None = None) -> str:
        """Suppress ``address`` on ``channels`` (all by default); returns its digest."""
        return self._add(self.digest_email(address), _channels(channels))

    def add_phone(
        self, number: str | PhoneNumber, region: str = "DE", channels: Iterable[Channel | str] | None = None
    ) -> str:
        """Suppress ``number`` (read in ``region``) on ``channels``; returns its digest."""
        return self._add(self.digest_phone(number, region), _channels(channels))

    def add_digest(self, digest: str, channels: Iterable[Channel | str] | None = None) -> str:
        """Add a digest computed elsewhere under the same key (e.g. by another system)."""
        if not isinstance(digest, str) or not _DIGEST.match(digest.strip().lower()):
            raise InputError.single(_MODEL, "digest", "must be 64 hexadecimal digits (HMAC-SHA-256)")
        return self._add(digest.strip().lower(), _channels(channels))

    def _add(self, digest: str, channels: Channels) -> str:
        old = self._entries.get(digest, channels)
        self._entries[digest] = _merge(old, channels)
        return digest

    def channels_of(self, digest: str) -> frozenset[Channel]:
        """The channels suppressed by the entry ``digest`` (empty when there is none)."""
        if digest not in self._entries:
            return frozenset()
        channels = self._entries[digest]
        return frozenset(Channel) if channels is None else channels

    def matches(self, contact: Contact) -> frozenset[Channel]:
        """The channels suppressed for ``contact``: the union over every entry matching its
        e-mail address, phone, mobile or fax number. Empty when nothing matches; every
        channel when a matching entry has ``channels=None``."""
        if not self._entries:
            return frozenset()
        found: set[Channel] = set()
        for digest in self._digests_of(contact):
            channels = self._entries.get(digest, frozenset())
            if channels is None:
                return frozenset(Channel)
            found |= channels
        return frozenset(found)

    def _digests_of(self, contact: Contact) -> Iterator[str]:
        if contact.email is not None:
            # The contact's address is already normalised; fold it as canonical_email does.
            folded = unicodedata.normalize("NFC", contact.email.casefold())
            yield _hmac(self._key, "email", folded)
        for number in (contact.phone, contact.mobile, contact.fax):
            if number is not None:
                yield _hmac(self._key, "phone", number.e164)

    def matches_points(self, email: str | None, numbers: Iterable[str]) -> frozenset[Channel]:
        """As :meth:`matches`, for contact points already in canonical form: ``email``
        normalised and folded (:func:`canonical_email`), ``numbers`` in E.164."""
        if not self._entries:
            return frozenset()
        digests = [_hmac(self._key, "phone", n) for n in numbers]
        if email is not None:
            digests.append(_hmac(self._key, "email", email))
        found: set[Channel] = set()
        for digest in digests:
            channels = self._entries.get(digest, frozenset())
            if channels is None:
                return frozenset(Channel)
            found |= channels
        return frozenset(found)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and digest.strip().lower() in self._entries

    def __repr__(self) -> str:
        return f"SuppressionList({len(self._entries)} entries, key-check={self.key_check})"

    # -- storage ------------------------------------------------------------------------

    def to_lines(self) -> list[str]:
        """The list as text lines (without line ends): a header with the format and the key
        check value, then ``<digest> <channels>`` sorted by digest, where channels are
        comma-separated or ``*`` for all. No key, no address in clear."""
        lines = [f"# {FORMAT} key-check={self.key_check}"]
        for digest in sorted(self._entries):
            channels = self._entries[digest]
            spec = "*" if channels is None else ",".join(c.value for c in _ordered(channels))
            lines.append(f"{digest} {spec}")
        return lines

    @classmethod
    def from_lines(cls, lines: Iterable[str], key: bytes) -> SuppressionList:
        """Read a list written by :meth:`to_lines`, under the same ``key``.

        Blank lines are ignored. Raises :class:`~dialoglaw.InputError` when the header is
        missing, the key does not match the key check value, or any line is malformed
        (naming each line by number; the lines are never echoed)."""
        result = cls(key)
        problems: list[Problem] = []
        header_seen = False
        for number, raw in enumerate(lines, start=1):
            line = raw.strip() if isinstance(raw, str) else None
            if line is None:
                problems.append(Problem(f"line {number}", "is not text", "value_error"))
                continue
            if not line:
                continue
            if not header_seen:
                header = _HEADER.match(line)
                if header is None:
                    problems.append(Problem(f"line {number}", _HEADER_NEEDED, "value_error"))
                    break
                if not hmac.compare_digest(header.group(1), result.key_check):
                    problems.append(
                        Problem("key", "does not match the key the list was written with", "value_error")
                    )
                    break
                header_seen = True
                continue
            entry = _ENTRY.match(line)
            if entry is None:
                problems.append(
                    Problem(f"line {number}", "must be a 64-digit digest and its channels", "value_error")
                )
                continue
            spec = entry.group(2)
            try:
                channels = None if spec == "*" else _channels(spec.split(","))
            except InputError:
                problems.append(Problem(f"line {number}", "names an unknown channel", "value_error"))
                continue
            result._add(entry.group(1), channels)
        if not header_seen and not problems:
            problems.append(Problem("line 1", _HEADER_NEEDED, "missing"))
        if problems:
            raise InputError(_MODEL, problems)
        return result


# -- opt-in display of personal data ---------------------------------------------------


def personal_data_revealed() -> bool:
    """Whether the current context has opted in to showing personal data in ``repr()``."""
    return REVEAL_PERSONAL_DATA.get()


@contextmanager
def reveal_personal_data() -> Iterator[None]:
    """Show full e-mail addresses, phone numbers and other contact points in ``repr()``
    of contacts inside the ``with`` block (opt-in, for a reviewer in a notebook)::

        with reveal_personal_data():
            display(contact)

    The switch is per thread and per asyncio task (a context variable): other threads
    keep masked output. Error messages and decisions are never affected.
    """
    token = REVEAL_PERSONAL_DATA.set(True)
    try:
        yield
    finally:
        REVEAL_PERSONAL_DATA.reset(token)
