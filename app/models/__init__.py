"""SQLAlchemy 2 typed models, one module per aggregate.

Importing this package registers every model on :data:`Base.metadata`, which Alembic
compares against the migrations.
"""

from app.models.base import Base, NaiveDatetimeError, TimestampMixin, UtcDateTime, as_utc, utc_now
from app.models.booking import Booking, BookingEvent, BookingLeg, BookingState, VehicleClaim
from app.models.email_token import EmailToken, TokenPurpose
from app.models.pass_holding import (
    Benefit,
    EligibilityProof,
    PassTicket,
    ProofStatus,
    TicketStatus,
)
from app.models.payment import (
    GatewayCustomer,
    GatewayOperation,
    OfflinePayment,
    Payment,
    PaymentState,
    Refund,
    WebhookEvent,
)
from app.models.saga_step import SagaStep, StepOperation, StepState
from app.models.saved_place import PlaceKind, SavedPlace
from app.models.session import AuthSession
from app.models.ticket_revocation import TicketRevocation
from app.models.user import Role, User

__all__ = [
    "AuthSession",
    "Base",
    "Benefit",
    "Booking",
    "BookingEvent",
    "BookingLeg",
    "BookingState",
    "EligibilityProof",
    "EmailToken",
    "GatewayCustomer",
    "GatewayOperation",
    "NaiveDatetimeError",
    "OfflinePayment",
    "PassTicket",
    "Payment",
    "PaymentState",
    "PlaceKind",
    "ProofStatus",
    "Refund",
    "Role",
    "SagaStep",
    "SavedPlace",
    "StepOperation",
    "StepState",
    "TicketRevocation",
    "TicketStatus",
    "TimestampMixin",
    "TokenPurpose",
    "User",
    "UtcDateTime",
    "VehicleClaim",
    "WebhookEvent",
    "as_utc",
    "utc_now",
]
