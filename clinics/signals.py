"""Signals clinics sends for higher apps to act on (clinics imports none of them)."""

from django.dispatch import Signal

# Patients were given another therapist, inside the reassignment's transaction; a receiver that
# fails rolls the whole reassignment back. Arguments: enrollments (each with its new therapist set),
# previous (enrollment pk -> the previous therapist's pk), by, request.
enrollments_reassigned = Signal()
