from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator


def record_mfa_on_activation(sender, request, user, authenticator, **kwargs):
    """Setting up a TOTP authenticator means typing a valid code from it: count that as passing MFA
    in this session, so a new staff member is not asked for a second code straight away.
    (Integration glue for allauth, which records "mfa" only on its authenticate views.)"""
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
