"""What the write tier may leave in the ImageKit media library: the files under the test
folder (UPLOAD_DIAGNOSTICS["IMAGEKIT"]["FOLDER"], /upload-diagnostics by default, where
imagekit.upload writes and where an ImageKit-backed storage puts the end-to-end check's
upload-diagnostics/ prefix). Listed and deleted over ImageKit's management API with plain
HTTP, whatever SDK generation is installed."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from . import config as cfg
from . import sdk as sdk_mod

FOLDER = "/upload-diagnostics"
PAGE = 100  # files per listing call
LISTING_LIMIT = 16 * 1024 * 1024  # bytes of one listing answer read


@dataclass
class Library:
    """The media library of the project's ImageKit account, through its management API."""

    base_url: str
    private_key: str
    timeout: float

    @classmethod
    def of(cls, config: cfg.ImageKitConfig) -> "Library":
        return cls(config.base_url or "https://api.imagekit.io",
                   config.get("private_key").strip(), config.timeout)

    def files_under(self, folder: str) -> list[dict]:
        """Every file under `folder` (subfolders included), as ImageKit describes it;
        raises LookupError saying why when the listing fails."""
        found, skip = [], 0
        while True:
            query = urlencode({"path": folder, "type": "file", "limit": PAGE, "skip": skip})
            outcome = sdk_mod.plain_call("GET", f"{self._api}/v1/files?{query}",
                                         self.private_key, self.timeout, LISTING_LIMIT)
            if not outcome.ok or not isinstance(outcome.value, list):
                raise LookupError(_failed(outcome))
            found += [f for f in outcome.value if isinstance(f, dict)
                      and str(f.get("filePath", "")).startswith(folder.rstrip("/") + "/")]
            if len(outcome.value) < PAGE:
                return found
            skip += PAGE

    def delete(self, file_id: str) -> str | None:
        """Delete one file; None when it is gone, else why not."""
        outcome = sdk_mod.plain_call("DELETE", f"{self._api}/v1/files/{quote(file_id)}",
                                     self.private_key, self.timeout)
        return None if outcome.ok or outcome.status == 404 else _failed(outcome)

    @property
    def _api(self) -> str:
        return self.base_url.rstrip("/")


def test_folder(ctx) -> str:
    """Where the write tier writes in the media library: "/upload-diagnostics"."""
    return "/" + (cfg.options(ctx).get("FOLDER") or FOLDER).strip("/")


def _failed(outcome: sdk_mod.Outcome) -> str:
    if outcome.status is not None:
        return f"ImageKit answered {outcome.status}"
    if outcome.timed_out:
        return "no answer in time"
    return f"{type(outcome.error).__name__}: {outcome.error}"
