"""Licence-gated questionnaires: which exist, and a clinic's record that it holds the licence.

clinics may not import outcomes (DESIGN.md, dependencies), which knows the instruments. So outcomes
registers each licence-gated instrument here in its AppConfig.ready(), with a callable that says
whether the questionnaire's wording is installed (the licence holder installs it; it is not in
the repository). Turning an instrument on writes an InstrumentLicence row (who, when, reference)
and adds the key to ``Clinic.enabled_instruments``, which the schedules read.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Clinic, InstrumentLicence
from clinics.services import audit_log


@dataclass(frozen=True)
class GatedInstrument:
    key: str
    title: str
    licence_note: str
    wording_installed: Callable[[], bool] | None = None

    @property
    def is_installed(self) -> bool:
        return bool(self.wording_installed and self.wording_installed())


_registry: dict[str, GatedInstrument] = {}


def register_gated_instrument(
    key: str, title: str, licence_note: str, *, wording_installed: Callable[[], bool] | None = None
) -> GatedInstrument:
    """Called by outcomes at start-up; registering the same key again replaces it (ready() may run twice)."""
    instrument = GatedInstrument(key=key, title=title, licence_note=licence_note, wording_installed=wording_installed)
    _registry[key] = instrument
    return instrument


def gated_instruments() -> list[GatedInstrument]:
    return sorted(_registry.values(), key=lambda instrument: instrument.title)


def get_gated_instrument(key: str) -> GatedInstrument:
    """The registered instrument, or 404: a key in a URL that is not licence-gated does not exist here."""
    try:
        return _registry[key]
    except KeyError:
        raise Http404("No such licence-gated questionnaire.") from None


class LicenceError(Exception):
    """The licence cannot be recorded or withdrawn; the message is safe to show to the clinic admin."""


# --- Reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceStatus:
    instrument: GatedInstrument
    licence: InstrumentLicence | None  # the current one, if the instrument is on

    @property
    def is_on(self) -> bool:
        return self.licence is not None


def clinic_licence_statuses(clinic: Clinic) -> list[LicenceStatus]:
    """Each licence-gated instrument with the clinic's current licence (one query for all)."""
    current = {
        licence.instrument_key: licence
        for licence in InstrumentLicence.objects.filter(clinic=clinic, withdrawn_at__isnull=True).select_related(
            "confirmed_by"
        )
    }
    return [
        LicenceStatus(instrument=instrument, licence=current.get(instrument.key)) for instrument in gated_instruments()
    ]


# --- Writes -----------------------------------------------------------------------------------------


def _locked(clinic: Clinic) -> Clinic:
    # Lock the clinic row so two admins changing instruments at once cannot lose each other's change
    # to enabled_instruments (a JSON list read, changed and written back).
    return Clinic.objects.select_for_update().get(pk=clinic.pk)


@transaction.atomic
def licence_confirm(
    *, clinic: Clinic, instrument: GatedInstrument, by: User, reference: str = "", request=None
) -> InstrumentLicence:
    """Record that the clinic holds the licence and turn the instrument on."""
    locked = _locked(clinic)
    if InstrumentLicence.objects.filter(clinic=locked, instrument_key=instrument.key, withdrawn_at=None).exists():
        raise LicenceError(_("%(title)s is already turned on for this clinic.") % {"title": instrument.title})
    try:
        with transaction.atomic():
            licence = InstrumentLicence.objects.create(
                clinic=locked, instrument_key=instrument.key, confirmed_by=by, licence_reference=reference.strip()
            )
    except IntegrityError:
        raise LicenceError(_("%(title)s is already turned on for this clinic.") % {"title": instrument.title}) from None
    if instrument.key not in locked.enabled_instruments:
        locked.enabled_instruments = [*locked.enabled_instruments, instrument.key]
        locked.save(update_fields=["enabled_instruments"])
    clinic.enabled_instruments = locked.enabled_instruments
    audit_log(actor=by, action="clinics.licence.confirmed", clinic=locked, target=licence, request=request)
    return licence


@transaction.atomic
def licence_withdraw(*, clinic: Clinic, instrument: GatedInstrument, by: User, request=None) -> InstrumentLicence:
    """Turn the instrument off: the licence row keeps who withdrew it and when."""
    locked = _locked(clinic)
    licence = InstrumentLicence.objects.filter(clinic=locked, instrument_key=instrument.key, withdrawn_at=None).first()
    if licence is None:
        raise LicenceError(_("%(title)s is already turned off for this clinic.") % {"title": instrument.title})
    licence.withdrawn_by = by
    licence.withdrawn_at = timezone.now()
    licence.save(update_fields=["withdrawn_by", "withdrawn_at"])
    locked.enabled_instruments = [key for key in locked.enabled_instruments if key != instrument.key]
    locked.save(update_fields=["enabled_instruments"])
    clinic.enabled_instruments = locked.enabled_instruments
    audit_log(actor=by, action="clinics.licence.withdrawn", clinic=locked, target=licence, request=request)
    return licence
