# label: negative
# not: fileptr.W001, fileptr.W003
import logging

from django.db import IntegrityError

from .models import UserRecord

logger = logging.getLogger(__name__)


def record_order(user, order):
    # A database row, not a file: no upload can fail here.
    try:
        UserRecord.objects.create(user=user, order=order)
    except Exception:
        logger.error("could not record order %s", order.pk)
    try:
        UserRecord.objects.get_or_create(user=user)
    except IntegrityError:
        pass
