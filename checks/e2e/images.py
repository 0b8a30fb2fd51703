"""Deterministic test images: a phone-like photo and a small upload, made with Pillow."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

PHONE_SIZE = (4032, 3024)  # a 12 MP phone photo
SMALL_SIZE = (640, 480)
ORIENTATION = 0x0112  # EXIF tag; 6 = rotate 90 degrees clockwise to display
SEED = 2024


@dataclass(frozen=True)
class TestImage:
    name: str  # file name sent in the upload
    data: bytes
    size: tuple[int, int]
    content_type: str
    kind: str = "photo"  # what is hard about it, for the hard-image set (hardset.py)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.size[0]}x{self.size[1]}, {len(self.data):,} bytes)"


def photo_pixels(size: tuple[int, int], seed: int = SEED, alpha: bool = False):
    """An RGB(A) image with the detail of a photo: smooth shapes, texture and grain.

    Pure noise would compress far worse than a photo and flat colour far better; blending
    noise enlarged from three scales lands a JPEG at about 0.3 bytes per pixel, like a phone's.
    The two coarse scales are blended at an eighth of the size and enlarged once: the same
    kind of picture as enlarging each, for half the work.
    """
    from PIL import Image

    rng = random.Random(seed)
    width, height = size
    eighth = (max(1, width // 8), max(1, height // 8))

    def noise(divisor: int, mode: str = "RGB", to=size):
        w, h = max(1, width // divisor), max(1, height // divisor)
        small = Image.frombytes(mode, (w, h), rng.randbytes(w * h * len(mode)))
        return small.resize(to, Image.BICUBIC)

    image = Image.blend(noise(64, to=eighth), noise(8, to=eighth), 0.35).resize(
        size, Image.BICUBIC)
    grain = noise(2, "L")
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.12)
    if alpha:
        image.putalpha(noise(16, "L"))
    return image


def phone_photo(size: tuple[int, int] = PHONE_SIZE, name: str = "diagnostic-photo.jpg",
                fmt: str = "JPEG") -> TestImage:
    """A JPEG with EXIF orientation 6 (as phones write it), or a PNG with alpha."""
    image = photo_pixels(size, alpha=fmt.upper() == "PNG")
    if fmt.upper() == "PNG":
        return encoded(image, name.rsplit(".", 1)[0] + ".png", "PNG", "image/png",
                       compress_level=1)
    return exif_jpeg(image, name)


def exif_jpeg(image, name: str, kind: str = "photo") -> TestImage:
    """`image` as a JPEG with EXIF orientation 6 (turn it 90 degrees to show it)."""
    exif = image.getexif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "upload-diagnostics"  # Make
    return encoded(image, name, "JPEG", "image/jpeg", kind, quality=92, exif=exif.tobytes())


def encoded(image, name: str, fmt: str, content_type: str, kind: str = "photo",
            **params) -> TestImage:
    """`image` saved by Pillow as `fmt` (with its save parameters)."""
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return TestImage(name, out.getvalue(), image.size, content_type, kind)


def small_photo(limit: int) -> TestImage:
    """A small JPEG whose whole request stays under FILE_UPLOAD_MAX_MEMORY_SIZE (`limit`)."""
    width, height = SMALL_SIZE
    while True:
        image = phone_photo((width, height), name="diagnostic-small.jpg")
        if len(image.data) + 4096 < limit or width <= 16:
            return image
        width, height = width // 2, height // 2
