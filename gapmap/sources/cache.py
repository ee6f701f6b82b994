"""The download cache: one folder, one file per URL, each with a sidecar recording its provenance.

An entry is ``<key>.data`` plus ``<key>.json`` (URL, fetch time, SHA-256, size),
where ``key`` is the SHA-256 of the URL.  Entries are only ever created by
:meth:`Cache.put`, which moves a complete, validated temporary file into place
and writes the sidecar last: a download that was cut short or killed leaves at
most a ``.part-*`` file, never an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from gapmap.errors import OutputError

CACHE_ENV_VAR = "GAPMAP_CACHE_DIR"

#: A ``.part-*`` file untouched for this long (seconds) was left by a process that was killed: it is removed.
#: Longer than any download may take (:data:`gapmap.sources.http.DEADLINE_S`), so a live download keeps its file.
STALE_PART_S = 3600.0


def default_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """Return the cache folder: ``cache_dir``, else ``GAPMAP_CACHE_DIR``, else the platform user cache dir.

    Parameters
    ----------
    cache_dir
        Explicit folder (the ``--cache-dir`` option).

    Returns
    -------
    pathlib.Path
        The folder (not created).
    """
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    return Path(platformdirs.user_cache_dir("gapmap"))


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """One cached download.

    Attributes
    ----------
    url
        The full URL, query string included.
    path
        The cached body.
    fetched_at
        When it was downloaded (ISO 8601, UTC).
    sha256
        Checksum recorded at download time.
    size
        Bytes.
    intact
        Whether the body still matches ``sha256``.
    """

    url: str
    path: Path
    fetched_at: str
    sha256: str
    size: int
    intact: bool


class Cache:
    """A folder of downloads keyed by URL.

    Parameters
    ----------
    root
        The cache folder; created on first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / f"{key}.data", self.root / f"{key}.json"

    def get(self, url: str) -> CacheEntry | None:
        """Return the entry for ``url``, checking its checksum, or ``None`` when there is none.

        Parameters
        ----------
        url
            Full URL.

        Returns
        -------
        CacheEntry or None
            ``intact`` is False when the body no longer matches its recorded SHA-256.
        """
        data, meta = self._paths(url)
        if not (data.is_file() and meta.is_file()):
            return None
        try:
            record = json.loads(meta.read_text(encoding="utf-8"))
            recorded = str(record["sha256"])
        except (OSError, ValueError, KeyError, TypeError):
            record, recorded = {}, ""
        return CacheEntry(
            url=url,
            path=data,
            fetched_at=str(record.get("fetched_at", "")),
            sha256=recorded,
            size=data.stat().st_size,
            intact=recorded == sha256_of(data),
        )

    def partial(self) -> Path:
        """Create and return an empty temporary file in the cache folder for a download in progress.

        Raises
        ------
        OutputError
            If the cache folder cannot be created or written.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._remove_stale_parts()
            handle, name = tempfile.mkstemp(prefix=".part-", dir=self.root)
        except OSError as error:
            raise OutputError(
                f"Cannot write to the cache folder {self.root} ({error.strerror}); choose another with "
                f"--cache-dir or {CACHE_ENV_VAR}."
            ) from None
        os.close(handle)
        return Path(name)

    def _remove_stale_parts(self) -> None:
        """Delete ``.part-*`` files that a killed process left behind (see :data:`STALE_PART_S`)."""
        now = time.time()
        for leftover in self.root.glob(".part-*"):
            try:
                if now - leftover.stat().st_mtime > STALE_PART_S:
                    leftover.unlink()
            except OSError:
                continue  # removed meanwhile by another run, or not ours to remove

    def entries(self) -> list[CacheEntry]:
        """Every entry whose sidecar can be read, without checking checksums (``intact`` is True).

        Returns
        -------
        list of CacheEntry
            In no particular order.
        """
        found = []
        for meta in self.root.glob("*.json") if self.root.is_dir() else []:
            try:
                record = json.loads(meta.read_text(encoding="utf-8"))
                data = meta.with_suffix(".data")
                found.append(CacheEntry(str(record["url"]), data, str(record.get("fetched_at", "")),
                                        str(record["sha256"]), data.stat().st_size, intact=True))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found

    def put(self, url: str, partial: Path) -> CacheEntry:
        """Move a complete, validated download into the cache and record its provenance.

        Parameters
        ----------
        url
            Full URL the body came from.
        partial
            The temporary file from :meth:`partial`, complete and validated.

        Returns
        -------
        CacheEntry
            The new entry.
        """
        data, meta = self._paths(url)
        meta.unlink(missing_ok=True)  # the entry is invalid until the new sidecar is written
        checksum = sha256_of(partial)
        os.replace(partial, data)
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        size = data.stat().st_size
        record = {"url": url, "fetched_at": fetched_at, "sha256": checksum, "size": size}
        sidecar = self.partial()
        try:
            sidecar.write_text(json.dumps(record, indent=1), encoding="utf-8")
            os.replace(sidecar, meta)
        finally:
            sidecar.unlink(missing_ok=True)
        return CacheEntry(url, data, fetched_at, checksum, size, intact=True)

    def remove(self, url: str) -> None:
        """Delete the entry for ``url``, if any."""
        for path in self._paths(url):
            path.unlink(missing_ok=True)
