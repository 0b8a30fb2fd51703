# label: negative
# not: fileptr.E002
import hashlib
import logging

logger = logging.getLogger(__name__)


def save_avatar(user, upload):
    digest = hashlib.md5(upload.read()).hexdigest()
    try:
        upload.seek(0)
    except:  # noqa: E722 - a stream that cannot seek was buffered by the caller
        logger.debug("avatar stream of %s is not seekable", user.pk)
    user.avatar.save(f"{digest}.png", upload)
