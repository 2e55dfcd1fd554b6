from celery import shared_task

from modules import plans


@shared_task(name="modules.unlock_due")
def unlock_due() -> int:
    return plans.unlock_due()


@shared_task(name="modules.reconcile_plans")
def reconcile_plans() -> int:
    return plans.plan_reconcile()
