"""Signals accounts sends for others to record (accounts imports no other app of Steady)."""

from django.dispatch import Signal

# A password reset e-mail is about to go to a known account. allauth has no signal for this.
# Arguments: request, user.
password_reset_requested = Signal()

# A person changed their own details on "Your details". Arguments: request, user.
profile_changed = Signal()
