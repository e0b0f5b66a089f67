"""What the pages need beyond the cases: the idempotency record that makes a double-submitted form create one case."""

import datetime as dt
import re
import secrets

from django.db import models
from django.utils import timezone

# Campaign and CampaignCase moved to the ideas app (issue 15); kept importable from here.
from minqing.ideas.models import Campaign, CampaignCase  # noqa: E402,F401


class FormSubmission(models.Model):
    """One public form submission: its token (issued with the form) → the case it created."""

    token = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


def _pending_path(instance, filename):
    return f"pending/{instance.token}"  # the reporter's file name is kept in ``name``, never in the path


class PendingUpload(models.Model):
    """A photo the public form accepted while another field was wrong.

    The person need not choose it again: the form carries ``token`` (unguessable)
    in a hidden field and the successful submit attaches the file. It is bound to
    the form's idempotency token, so a token from another form is ignored; rows
    older than ``PENDING_UPLOAD_MAX_AGE`` are ignored and removed by the worker
    (``minqing.web.jobs.drop_stale_uploads``).
    """

    token = models.CharField(max_length=64, unique=True)
    form_token = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to=_pending_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    @staticmethod
    def max_age():
        from .conf import web_setting

        return dt.timedelta(seconds=web_setting("PENDING_UPLOAD_MAX_AGE"))

    @classmethod
    def find(cls, token, form_token):
        """The pending photo of this form, or None (unknown, stale or another form's token)."""
        if not token or not form_token or not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token):
            return None
        return cls.objects.filter(token=token, form_token=form_token,
                                  created_at__gte=timezone.now() - cls.max_age()).first()

    @classmethod
    def keep(cls, photo, form_token):
        """Store a checked upload (``photo.sniffed_type`` set by the form) for this form."""
        stale = list(cls.objects.filter(form_token=form_token))
        pending = cls(token=secrets.token_urlsafe(32), form_token=form_token, name=(getattr(photo, "original_name", "") or photo.name or "photo")[-200:],
                      content_type=photo.sniffed_type, size=photo.size)
        photo.seek(0)
        pending.file.save("photo", photo, save=True)
        for old in stale:  # the new photo replaced an earlier one of the same form
            old.discard()
        return pending

    def discard(self):
        self.file.delete(save=False)
        self.delete()
