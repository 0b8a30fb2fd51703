"""The hard-image set (--images hard): the images phones and users really send, made with
Pillow (HEIC with pillow-heif, when it is installed). Each is a TestImage with its kind;
one that cannot be made here is a NotMade with the reason.

Making the set never changes the process: pillow-heif encodes HEIC without registering
its opener, so whether the project decodes HEIC is the project's own doing.
"""
from __future__ import annotations

import io
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .images import TestImage, encoded, exif_jpeg, phone_photo, photo_pixels

SIZE = (1024, 768)  # the photos and graphics (what is hard is the format, not the size)
ANIMATED_SIZE = (320, 240)
HEIC_SIZE = (640, 480)  # x265 takes seconds for a larger one
DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's Image.MAX_IMAGE_PIXELS, when the project unset it
BOMB_WIDTH = 10_000
NAME_LIMIT = 100  # FileField's default max_length
# Kinds that phones send as they are: rejecting them turns users away (e2e.W050).
FROM_PHONES = {"heic": "iPhones save photos as HEIC by default",
               "exif-rotated": "phone cameras store the orientation in EXIF instead of "
                               "turning the pixels"}


@dataclass(frozen=True)
class NotMade:
    name: str
    kind: str
    reason: str


def hard_set(max_pixels: int | None) -> tuple[list[TestImage], list[NotMade]]:
    """The images, and those that could not be made. `max_pixels` is Pillow's
    MAX_IMAGE_PIXELS in this process (the project may have changed it)."""
    maker = Maker()
    maker.limit(max_pixels)
    return list(maker), maker.not_made()


class Maker:
    """Makes the set in a thread of its own from its creation, so that it overlaps with the
    run's search for endpoints, its test database and its first requests (Pillow's encoders
    release the GIL). Iterating it gives each image as soon as it is made, again on each
    pass. The decompression bomb exceeds MAX_IMAGE_PIXELS as the project's modules leave it
    (`limit`): made again if the limit became known after it was made."""

    def __init__(self):
        from PIL import Image

        self._max_pixels = self._wanted = Image.MAX_IMAGE_PIXELS
        self._made: list[TestImage | NotMade] = []
        self._error: BaseException | None = None
        self._done = False
        self._ready = threading.Condition()
        threading.Thread(target=self._make, name="hard-image set", daemon=True).start()

    def _make(self) -> None:
        try:
            photo, logo = photo_pixels(SIZE), _logo()
            for make in (_heic, _cmyk, _rgba, _palette, _png16, _truncated, _gif, _webp,
                         _rotated):
                self._add(make(photo, logo))
            self._max_pixels = self._wanted  # often known by now
            self._add(_bomb(self._max_pixels))
            for item in _awkward_names():
                self._add(item)
        except BaseException as exc:  # noqa: BLE001 - raised again by the iteration
            self._error = exc
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def _add(self, item: TestImage | NotMade) -> None:
        with self._ready:
            self._made.append(item)
            self._ready.notify_all()

    def limit(self, max_pixels: int | None) -> None:
        """Pillow's MAX_IMAGE_PIXELS once the project's modules are loaded."""
        self._wanted = max_pixels

    def __iter__(self) -> Iterator[TestImage]:
        for item in self._items():
            if isinstance(item, TestImage):
                yield item

    def not_made(self) -> list[NotMade]:
        """The images that could not be made here, once the set is complete."""
        return [item for item in self._items() if isinstance(item, NotMade)]

    def _items(self) -> Iterator[TestImage | NotMade]:
        n = 0
        while True:
            with self._ready:
                self._ready.wait_for(lambda: n < len(self._made) or self._done)
                if n == len(self._made):
                    if self._error is not None:
                        raise self._error
                    return
                item = self._made[n]
                if item.kind == "decompression-bomb" and self._wanted != self._max_pixels:
                    item = self._made[n] = _bomb(self._wanted)
                    self._max_pixels = self._wanted
            n += 1
            yield item


def _logo():
    """A logo-like RGB picture: gradients and a disc, as PNGs mostly hold (a photo's grain
    would make them slow to encode and unlike what users send as PNG)."""
    from PIL import Image, ImageDraw

    width, height = SIZE
    ramp = Image.linear_gradient("L").resize(SIZE)
    radial = Image.radial_gradient("L").resize(SIZE)
    image = Image.merge("RGB", (ramp, radial, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4),
                                  fill=(200, 40, 60))
    return image


def _heic(photo, _logo) -> TestImage | NotMade:
    try:
        import pillow_heif
    except ImportError:
        return NotMade("IMG_0001.HEIC", "heic", "pillow-heif is not installed: pip install "
                       "'django-upload-diagnostics[heic]' to send the HEIC photo")
    out, image = io.BytesIO(), photo.resize(HEIC_SIZE)
    pillow_heif.from_pillow(image).save(out, quality=60, enc_params={"preset": "ultrafast"})
    return TestImage("IMG_0001.HEIC", out.getvalue(), image.size, "image/heic", "heic")


def _cmyk(photo, _logo) -> TestImage:
    return encoded(photo.convert("CMYK"), "print-cmyk.jpg", "JPEG", "image/jpeg", "cmyk-jpeg",
                   quality=90)


def _rgba(_photo, logo) -> TestImage:
    from PIL import Image

    image = logo.copy()
    image.putalpha(Image.linear_gradient("L").rotate(90).resize(logo.size))
    return encoded(image, "transparent.png", "PNG", "image/png", "rgba-png", compress_level=1)


def _quantized(image):
    """Mode P with an adaptive palette (the fast octree: median cut takes seconds)."""
    from PIL import Image

    return image.quantize(256, method=Image.Quantize.FASTOCTREE)


def _palette(_photo, logo) -> TestImage:
    return encoded(_quantized(logo), "palette.png", "PNG", "image/png", "palette-png")


def _png16(_photo, logo) -> TestImage:
    """16-bit greyscale (Pillow's mode I;16), as scanners and editors write it."""
    image = logo.convert("L").convert("I").point(lambda v: v * 257).convert("I;16")
    return encoded(image, "scan-16bit.png", "PNG", "image/png", "png-16bit", compress_level=1)


def _truncated(photo, _logo) -> TestImage:
    """A JPEG cut off at 60%, as an interrupted transfer leaves it."""
    whole = encoded(photo, "truncated.jpg", "JPEG", "image/jpeg", "truncated-jpeg", quality=90)
    return TestImage(whole.name, whole.data[:len(whole.data) * 6 // 10], whole.size,
                     whole.content_type, whole.kind)


def _frames(photo) -> list:
    small = photo.resize(ANIMATED_SIZE)
    return [small.rotate(angle) for angle in (0, 15, 30)]


def _gif(photo, _logo) -> TestImage:
    frames = [_quantized(f) for f in _frames(photo)]
    return encoded(frames[0], "animated.gif", "GIF", "image/gif", "animated-gif",
                   save_all=True, append_images=frames[1:], duration=100, loop=0)


def _webp(photo, _logo) -> TestImage | NotMade:
    from PIL import features

    if not features.check("webp"):
        return NotMade("animated.webp", "animated-webp", "this Pillow has no WebP encoder")
    frames = _frames(photo)
    return encoded(frames[0], "animated.webp", "WEBP", "image/webp", "animated-webp",
                   save_all=True, append_images=frames[1:], duration=100, loop=0)


def _rotated(photo, _logo) -> TestImage:
    """A phone photo whose EXIF orientation says: turn it 90 degrees to show it."""
    return exif_jpeg(photo, "IMG_20240501_0001.jpg", "exif-rotated")


def _bomb(max_pixels: int | None) -> TestImage | NotMade:
    """A small PNG (one colour, 1 bit a pixel: 11 kB) with just over MAX_IMAGE_PIXELS
    pixels: Pillow opens it with a DecompressionBombWarning, and decoding it takes a byte
    a pixel. Not made when the project raised the limit above twice Pillow's default."""
    limit = max_pixels or DEFAULT_MAX_PIXELS
    if limit > 2 * DEFAULT_MAX_PIXELS:
        return NotMade("bomb.png", "decompression-bomb", f"Image.MAX_IMAGE_PIXELS is "
                       f"{limit:,} here: a bomb above it would take over {limit // 2**20:,} "
                       "MiB to decode, so it is not sent")
    width, height = BOMB_WIDTH, limit // BOMB_WIDTH + 1
    return TestImage("bomb.png", _blank_png(width, height), (width, height), "image/png",
                     "decompression-bomb")


def _blank_png(width: int, height: int) -> bytes:
    """A black 1-bit PNG, written with zlib: Pillow holds a mode "1" image at a byte a
    pixel, so having it encode one of 90 M pixels took most of the set's time and 90 MB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    rows = bytes(1 + (width + 7) // 8) * height  # each row: filter type 0, then the bits
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    packer = zlib.compressobj(9, strategy=zlib.Z_RLE)  # runs of zeros: RLE is as small
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(
        b"IDAT", packer.compress(rows) + packer.flush()) + chunk(b"IEND", b"")


def _awkward_names() -> list[TestImage]:
    """A small photo under names users' files have."""
    photo = phone_photo((320, 240), name="x.jpg")
    long_name = "holiday-" + "x" * (NAME_LIMIT + 50 - len("holiday-.jpg")) + ".jpg"
    names = (("name-unicode", "Café 写真 ünïcode.jpg"), ("name-spaces", "my holiday photo.jpg"),
             ("name-hash", "photo#1.jpg"), ("name-150", long_name))
    return [TestImage(name, photo.data, photo.size, photo.content_type, kind)
            for kind, name in names]
