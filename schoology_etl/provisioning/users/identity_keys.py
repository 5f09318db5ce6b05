"""The keys two accounts of one person share: normalised e-mail, full name, SIS id.

Every key is text put through Unicode NFKC and ``casefold`` with surrounding
whitespace trimmed (and runs of inner whitespace made one space in names), so ``Ａnn``,
``ANN`` and ``ann`` give one key.

E-mail addresses are normalised only as far as the mail provider documents that two
spellings reach one mailbox:

================================ ============= ============================
domain                           dots dropped  ``+tag`` dropped
================================ ============= ============================
gmail.com, googlemail.com        yes           yes (googlemail = gmail)
outlook.com, hotmail.com,        no            yes (Outlook.com plus addressing)
live.com, msn.com
fastmail.com, fastmail.fm        no            yes (Fastmail plus addressing)
proton.me, protonmail.com,       no            yes (Proton "+" aliases)
protonmail.ch, pm.me
any other domain                 no            no
================================ ============= ============================

A school's own domain may well deliver ``ann.lee@`` and ``annlee@`` to two people,
so dots and tags count there.

>>> normalize_email(" Ann.Lee+school@GoogleMail.com ")
'annlee@gmail.com'
>>> normalize_email("Ann.Lee@maplewood.example.org")
'ann.lee@maplewood.example.org'
>>> normalize_email("ann+x@Outlook.com"), normalize_email("ann+x@school.org")
('ann@outlook.com', 'ann+x@school.org')
>>> school_uid_key(" s000123 "), school_uid_key("S123")
('s123', 's123')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from schoology_etl.provisioning.rows import text

#: domain -> (dots in the local part ignored, ``+tag`` ignored), per the providers' own documentation
EMAIL_PROVIDERS: dict[str, tuple[bool, bool]] = {
    "gmail.com": (True, True),
    **{d: (False, True) for d in ("outlook.com", "hotmail.com", "live.com", "msn.com")},
    **{d: (False, True) for d in ("fastmail.com", "fastmail.fm")},
    **{d: (False, True) for d in ("proton.me", "protonmail.com", "protonmail.ch", "pm.me")},
}
#: domains that are another name of one in :data:`EMAIL_PROVIDERS`
EMAIL_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

_DIGITS = re.compile(r"\d+")


def fold(value: Any) -> str:
    """NFKC, casefolded, trimmed, inner whitespace runs made one space; ``""`` for blanks."""
    return " ".join(unicodedata.normalize("NFKC", text(value)).casefold().split())


def normalize_email(email: Any) -> str:
    """The mailbox an address reaches (see the module's table); ``""`` for blanks."""
    value = fold(email).replace(" ", "")
    if "@" not in value:
        return value
    local, _, domain = value.rpartition("@")
    domain = EMAIL_DOMAIN_ALIASES.get(domain, domain)
    dots, tags = EMAIL_PROVIDERS.get(domain, (False, False))
    if tags:
        local = local.split("+", 1)[0]
    if dots:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def full_name_key(user: Mapping[str, Any]) -> str:
    """``first last`` folded: from ``name_first``/``name_last``, else the inactive listing's ``name``."""
    first, last = fold(user.get("name_first")), fold(user.get("name_last"))
    if first and last:
        return f"{first} {last}"
    return fold(user.get("name")) if not (first or last) else ""


def name_birthday_key(user: Mapping[str, Any]) -> str:
    """``first|last|birthday`` folded; ``""`` unless all three are known."""
    first, last, birthday = (fold(user.get(f)) for f in ("name_first", "name_last", "birthday_date"))
    return f"{first}|{last}|{birthday}" if first and last and birthday else ""


def school_uid_key(value: Any) -> str:
    """A SIS id folded, spaces dropped and leading zeros of each digit run dropped (``S0042`` = ``s42``)."""
    folded = fold(value).replace(" ", "")
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", folded)


def digest(rule: str, key: str) -> int:
    """A 64-bit number standing for ``(rule, key)``: what a whole-district scan keeps per key."""
    return int.from_bytes(hashlib.blake2b(f"{rule}\0{key}".encode(), digest_size=8).digest(), "big")
