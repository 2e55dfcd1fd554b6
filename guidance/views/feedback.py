"""Being written (issue 5); replaced by the full views."""

from django.http import Http404


def review_queue(request, **kwargs):
    raise Http404("Not built yet.")


def feedback_write(request, **kwargs):
    raise Http404("Not built yet.")


def feedback_guide(request, **kwargs):
    raise Http404("Not built yet.")


def template_list(request, **kwargs):
    raise Http404("Not built yet.")


def template_new(request, **kwargs):
    raise Http404("Not built yet.")


def template_edit(request, **kwargs):
    raise Http404("Not built yet.")


def template_delete(request, **kwargs):
    raise Http404("Not built yet.")
