"""dialoglaw — derive direct-marketing permissions from German and EU law.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> import dialoglaw as dl
>>> contact = dl.Contact(id="c-1", audience="consumer", email="max@example.de")
>>> message = dl.Message(sender="ACME GmbH", purpose="advertising",
...                      sender_identified=True, valid_opt_out_address=True)
>>> decision = dl.decide(contact, message, at=datetime(2024, 3, 1, 10, tzinfo=ZoneInfo("Europe/Berlin")))
>>> decision[dl.Channel.EMAIL].status.value
'suppressed'
>>> decision[dl.Channel.EMAIL].codes
('no_consent',)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dialoglaw.audit import AuditRecord, audit_record, verify
from dialoglaw.channels import (
    Acquisition,
    Audience,
    Channel,
    ConsentMethod,
    EvidenceKind,
    LineType,
    Purpose,
    UnsettledChoice,
)
from dialoglaw.citations import Act, Citation, Court
from dialoglaw.columnar import DecidedFrame, decide_frame
from dialoglaw.decision import Decision, Finding, Status, Verdict
from dialoglaw.engine import decide
from dialoglaw.errors import (
    DialoglawError,
    InputError,
    OutOfCoverageError,
    RulebookError,
    UnknownJurisdictionError,
)
from dialoglaw.facts import (
    Consent,
    Contact,
    CustomerRelationship,
    Evidence,
    Message,
    Objection,
    PostalAddress,
    PresumedConsent,
)
from dialoglaw.normalize import PhoneNumber, normalize_email, normalize_phone
from dialoglaw.notebook import decisions_to_frame, summary_frame
from dialoglaw.policy import Policy
from dialoglaw.privacy import SuppressionList, reveal_personal_data
from dialoglaw.registry import available_jurisdictions, register_jurisdiction, rulebook_for
from dialoglaw.retention import Retention, proof_retention, retention_schedule
from dialoglaw.validity import BERLIN, Validity

try:
    __version__ = version("dialoglaw")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "BERLIN",
    "Acquisition",
    "Act",
    "Audience",
    "AuditRecord",
    "Channel",
    "Citation",
    "Consent",
    "ConsentMethod",
    "Contact",
    "Court",
    "CustomerRelationship",
    "DecidedFrame",
    "Decision",
    "DialoglawError",
    "Evidence",
    "EvidenceKind",
    "Finding",
    "InputError",
    "LineType",
    "Message",
    "Objection",
    "OutOfCoverageError",
    "PhoneNumber",
    "Policy",
    "PostalAddress",
    "PresumedConsent",
    "Purpose",
    "Retention",
    "RulebookError",
    "Status",
    "SuppressionList",
    "UnknownJurisdictionError",
    "UnsettledChoice",
    "Validity",
    "Verdict",
    "__version__",
    "audit_record",
    "available_jurisdictions",
    "decide",
    "decide_frame",
    "decisions_to_frame",
    "normalize_email",
    "normalize_phone",
    "proof_retention",
    "register_jurisdiction",
    "retention_schedule",
    "reveal_personal_data",
    "rulebook_for",
    "summary_frame",
    "verify",
]
