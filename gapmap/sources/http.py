"""Downloads through the cache: retries, streaming to a temporary file, content checks, offline mode.

Every live source fetches through one :class:`Downloader`.  A body is streamed
to a ``.part-*`` file, its length checked against ``Content-Length`` and its
content checked by the source's validator; only then does it become a cache
entry.  Retries with exponential backoff on 429, 5xx, connection errors and
timeouts are urllib3's :class:`~urllib3.util.Retry` mounted on a requests
adapter.  HTTPS certificates are always verified.

Every download is bounded: a server's ``Retry-After`` is obeyed up to
:data:`MAX_RETRY_AFTER_S`, the body must arrive within :data:`DEADLINE_S`
(however slowly the server trickles it), and no more than the source's
``max_bytes`` is written (after any gzip decoding).  A ``.part-*`` file is
removed on every way out of :meth:`Downloader.fetch`; one left by a killed
process is removed by the next download.
"""

from __future__ import annotations

import csv
import http.client
import json
import logging
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Mapping, overload

import requests
from requests.adapters import HTTPAdapter
from tqdm.auto import tqdm
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util import Retry

from gapmap import DISTRIBUTION, __version__
from gapmap.errors import DataFileError, NetworkError
from gapmap.sources.cache import Cache

log = logging.getLogger(__name__)

#: Sent with every request, so that a service's operators can see who is asking and find the project.
USER_AGENT = f"gapmap/{__version__} (+https://pypi.org/project/{DISTRIBUTION}/)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
TIMEOUT_S = (15.0, 120.0)  # connect, read
#: Longest wait a server's ``Retry-After`` may ask for, seconds (a 503 saying ``Retry-After: 100000`` waits this long).
MAX_RETRY_AFTER_S = 60.0
#: Longest time one body may take to arrive, seconds, however steadily it trickles in.
DEADLINE_S = 900.0
#: Most bytes a body may have after decoding, unless the source sets its own bound.
MAX_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 16

Validator = Callable[[Path], None]


@dataclass(frozen=True)
class Fetched:
    """A body obtained for one URL.

    Attributes
    ----------
    url
        Full URL, query string included.
    path
        The cached body.
    label
        What it is, for messages and reports (e.g. ``"GIAS establishments"``).
    size
        Bytes.
    fetched_at
        When it was downloaded (ISO 8601, UTC).
    from_cache
        True when no request was made in this run.
    """

    url: str
    path: Path
    label: str
    size: int
    fetched_at: str
    from_cache: bool


class CappedRetry(Retry):
    """urllib3 :class:`~urllib3.util.Retry` that obeys ``Retry-After`` only up to ``retry_after_cap`` seconds.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`~urllib3.util.Retry`.
    retry_after_cap
        Longest wait, seconds.
    """

    def __init__(self, *args: Any, retry_after_cap: float = MAX_RETRY_AFTER_S, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kwargs: Any) -> CappedRetry:
        """Return the next state of the retry, keeping the cap."""
        retry = super().new(**kwargs)
        retry.retry_after_cap = self.retry_after_cap
        return retry

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds to wait for a ``Retry-After`` header value, at most ``retry_after_cap``."""
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)


def make_session(
    *, retries: int = 5, backoff_factor: float = 1.0, max_retry_after: float = MAX_RETRY_AFTER_S
) -> requests.Session:
    """Return a requests session that retries 429/5xx, connection errors and timeouts with backoff.

    Parameters
    ----------
    retries
        Maximum retries per request.
    backoff_factor
        urllib3 backoff factor: sleeps of 0, 2, 4, 8 ... times this many seconds
        (``Retry-After`` is honoured on 429 and 503).
    max_retry_after
        Longest ``Retry-After`` obeyed, seconds (a longer one waits this long).

    Returns
    -------
    requests.Session
        Session with the retrying adapter mounted for ``http://`` and ``https://``.
    """
    retry = CappedRetry(
        retry_after_cap=max_retry_after,
        total=retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def full_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """Return ``url`` with ``params`` encoded as requests would send them (the cache key)."""
    return requests.Request("GET", url, params=dict(params or {})).prepare().url or url


def cache_hint(error: DataFileError) -> DataFileError:
    """Return ``error`` with a sentence saying the data came from the cache and naming ``--refresh``."""
    message = str(error).rstrip(".")
    return type(error)(f"{message} (read from the download cache: if the cached copy is damaged or out of date, "
                       "run again with --refresh to download it again).")


@contextmanager
def from_the_cache() -> Iterator[None]:
    """Re-raise a :class:`~gapmap.errors.DataFileError` about cached content with :func:`cache_hint`.

    Wrap the code that reads cached bodies into tables: a problem with their
    content fails every run until the body is downloaded again, so the
    message says how.
    """
    try:
        yield
    except DataFileError as error:
        if "--refresh" in str(error):
            raise
        raise cache_hint(error) from None


class Downloader:
    """Fetch URLs into a :class:`~gapmap.sources.cache.Cache`.

    Parameters
    ----------
    cache
        Where bodies are kept.
    offline
        Use only the cache; a missing entry is an error naming the URL.
    refresh
        Download every URL again once in this run, even when cached.
    session
        A requests session (default :func:`make_session`).
    timeout
        Seconds to wait to connect, and for each read of the answer.
    deadline
        Seconds the whole body may take to arrive.

    Attributes
    ----------
    fetched
        Every body obtained, in order, for reports.
    """

    def __init__(
        self,
        cache: Cache,
        *,
        offline: bool = False,
        refresh: bool = False,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT_S,
        deadline: float = DEADLINE_S,
    ) -> None:
        self.cache = cache
        self.timeout = timeout
        self.deadline = deadline
        self.offline = offline
        self.refresh = refresh
        self.session = session or make_session()
        self.fetched: list[Fetched] = []
        self._refreshed: set[str] = set()

    def cached(self, url: str, *, params: Mapping[str, Any] | None = None, label: str) -> Fetched | None:
        """Return the intact cached body of a URL without any request, or ``None``.

        Parameters
        ----------
        url, params
            The request.
        label
            What it is, for messages.

        Raises
        ------
        DataFileError
            In offline mode, if the cached body fails its checksum.
        """
        key = full_url(url, params)
        if self.refresh and key not in self._refreshed:
            return None
        entry = self.cache.get(key)
        if entry is None:
            return None
        if not entry.intact:
            if self.offline:
                raise DataFileError(
                    f"The cached {label} from {key} ({entry.path}) is corrupt (checksum mismatch); "
                    "run again without --offline to download it again."
                )
            log.warning("Cached %s from %s is corrupt (checksum mismatch); downloading it again.", label, key)
            self.cache.remove(key)
            return None
        found = Fetched(key, entry.path, label, entry.size, entry.fetched_at, from_cache=True)
        self.fetched.append(found)
        return found

    @overload
    def fetch(self, url: str, *, params: Mapping[str, Any] | None = ..., label: str, validate: Validator,
              missing_ok: Literal[False] = ..., max_bytes: int = ...) -> Fetched: ...

    @overload
    def fetch(self, url: str, *, params: Mapping[str, Any] | None = ..., label: str, validate: Validator,
              missing_ok: bool, max_bytes: int = ...) -> Fetched | None: ...

    def fetch(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        label: str,
        validate: Validator,
        missing_ok: bool = False,
        max_bytes: int = MAX_BYTES,
    ) -> Fetched | None:
        """Return the body of a URL from the cache, or download, validate and cache it.

        Parameters
        ----------
        url, params
            The request.
        label
            What it is, for messages and progress bars.
        validate
            Raises :class:`~gapmap.errors.NetworkError` if a downloaded body is
            not the expected content (an HTML error page, a truncated CSV).
        missing_ok
            Return ``None`` on HTTP 404 instead of raising.
        max_bytes
            Largest body accepted, after decoding; a larger one is refused, not cached.

        Returns
        -------
        Fetched or None
            ``None`` only for a 404 with ``missing_ok``.

        Raises
        ------
        DataFileError
            Offline and not cached (or cached but corrupt).
        NetworkError
            The request failed after retries, was cut short, took longer than
            the deadline, was larger than ``max_bytes``, or returned the wrong content.
        """
        found = self.cached(url, params=params, label=label)
        if found is not None:
            return found
        key = full_url(url, params)
        if self.offline:
            raise DataFileError(
                f"Offline, and the {label} from {key} is not in the cache {self.cache.root}; "
                "run `gapmap fetch` (or the same command without --offline) with a network connection first."
            )
        partial = self.cache.partial()
        try:
            if self._download(key, partial, label, max_bytes) == 404:
                if missing_ok:
                    return None
                raise NetworkError(f"The {label} at {key} does not exist (HTTP 404); check the base URL setting.")
            validate(partial)
            entry = self.cache.put(key, partial)
        finally:
            partial.unlink(missing_ok=True)
        self._refreshed.add(key)
        found = Fetched(key, entry.path, label, entry.size, entry.fetched_at, from_cache=False)
        self.fetched.append(found)
        return found

    def _download(self, url: str, target: Path, label: str, max_bytes: int) -> int:
        started = time.monotonic()
        try:
            response = self.session.get(url, stream=True, timeout=self.timeout)
        except requests.exceptions.SSLError:
            raise NetworkError(f"Could not download the {label} from {url}: the server's HTTPS certificate could "
                               "not be verified; if your network inspects HTTPS, point REQUESTS_CA_BUNDLE at "
                               "its certificate authority file.") from None
        except requests.RequestException as error:
            raise NetworkError(f"Could not download the {label} from {url} after retries ({self._reason(error)}); "
                               "check the connection or the base URL setting, and try again later.") from None
        with response:
            if response.status_code == 404:
                return 404
            if response.status_code >= 400:
                raise NetworkError(f"Downloading the {label} from {url} failed with HTTP {response.status_code} "
                                   "after retries; try again later or check the base URL setting.")
            expected = response.headers.get("Content-Length")
            total = int(expected) if expected and expected.isdigit() else None
            too_slow = NetworkError(f"The download of the {label} from {url} did not finish within "
                                    f"{self.deadline:g} seconds (the server is sending it too slowly); nothing was "
                                    "cached: try again later.")
            # a body that trickles in never trips the read timeout: a timer cuts the connection at the deadline
            timer = threading.Timer(max(0.0, self.deadline - (time.monotonic() - started)), _cut, args=(response,))
            timer.daemon = True
            timer.start()
            try:
                with open(target, "wb") as out, tqdm(
                    total=total, unit="B", unit_scale=True, desc=label, disable=None, leave=False
                ) as bar:
                    written = 0
                    for chunk in response.iter_content(_CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise NetworkError(
                                f"The {label} from {url} is larger than {max_bytes / 2**20:,.0f} MiB (after "
                                "decompression), far more than this source ever sends; nothing was cached: check "
                                "the base URL setting.")
                        out.write(chunk)
                        bar.update(len(chunk))
            except requests.RequestException as error:
                if time.monotonic() - started >= self.deadline:
                    raise too_slow from None
                raise NetworkError(f"The download of the {label} from {url} was cut short ({self._reason(error)}); "
                                   "nothing was cached: run the command again.") from None
            finally:
                timer.cancel()
            if time.monotonic() - started >= self.deadline:
                raise too_slow
            received = response.raw.tell()
            if total is not None and received != total:
                raise NetworkError(f"The download of the {label} from {url} was cut short ({received} of {total} "
                                   "bytes); nothing was cached: run the command again.")
            return response.status_code

    def _reason(self, error: BaseException) -> str:
        """What went wrong with a request, in a few words (from the chain of causes of a requests error)."""
        causes = _causes(error)
        if any(isinstance(c, socket.gaierror) for c in causes):  # urllib3 raises NameResolutionError from it
            return "the server's name could not be found (DNS): check the network connection and the base URL"
        if any(isinstance(c, ConnectionResetError) for c in causes):
            return "the connection was reset"
        # urllib3 2 makes NewConnectionError a kind of ConnectTimeoutError: test it before the timeouts
        if any(isinstance(c, urllib3_exceptions.NewConnectionError) for c in causes):
            return "could not connect to the server"
        if any(isinstance(c, (requests.ConnectTimeout, urllib3_exceptions.ConnectTimeoutError)) for c in causes):
            return f"no connection within {self.timeout[0]:g} seconds"
        if any(isinstance(c, (TimeoutError, requests.Timeout, urllib3_exceptions.TimeoutError)) for c in causes):
            return f"no answer within {self.timeout[1]:g} seconds"
        if any(isinstance(c, (urllib3_exceptions.IncompleteRead, http.client.IncompleteRead)) for c in causes):
            return "the connection closed before the whole body arrived"
        if any(isinstance(c, urllib3_exceptions.ProtocolError) for c in causes):
            return "the connection was broken"
        return type(error).__name__


def _cut(response: requests.Response) -> None:
    """Shut the connection of a response down, so that a read blocked on it returns (the download's deadline)."""
    # http.client hands the socket to the response it reads: urllib3 -> http.client -> buffered reader -> SocketIO
    body = getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None)
    for sock in (getattr(getattr(response.raw, "connection", None), "sock", None), getattr(body, "_sock", None)):
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps: ``reason`` (urllib3), exception arguments, ``__cause__``, ``__context__``."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        linked = [getattr(current, "reason", None), current.__cause__, current.__context__, *current.args]
        pending += [e for e in linked if isinstance(e, BaseException)]
    return found


def _head(path: Path, size: int = 4096) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def reject_html(path: Path, *, label: str, url_hint: str) -> None:
    """Raise :class:`~gapmap.errors.NetworkError` if a body is empty or an HTML page.

    Parameters
    ----------
    path
        The downloaded body.
    label, url_hint
        What it is and where it came from, for the message.
    """
    head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        raise NetworkError(f"The {label} from {url_hint} came back empty; nothing was cached: check the request "
                           "parameters and try again.")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")):
        raise NetworkError(f"The {label} from {url_hint} is a web page, not data (an error page or a login "
                           "portal?); nothing was cached: check the base URL setting.")


def csv_validator(*, label: str, url_hint: str, columns: list[str], encoding: str) -> Validator:
    """Return a validator checking that a body is a complete CSV whose header holds ``columns``, with rows.

    The whole body is parsed: a last row with fewer fields than the header
    means the body was cut short (a download without a ``Content-Length``
    cannot be checked by its length).  Quoting is read leniently, as pandas
    reads it, so that a publisher's stray quote does not block a download.

    Parameters
    ----------
    label, url_hint
        What it is and where it came from, for the message.
    columns
        Column names the header must contain.
    encoding
        Text encoding of the file.

    Returns
    -------
    callable
        Raises :class:`~gapmap.errors.NetworkError` on a body that does not pass.
    """

    def validate(path: Path) -> None:
        reject_html(path, label=label, url_hint=url_hint)
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = [name.lstrip("\ufeff") for name in next(reader, [])]
                missing = [c for c in columns if c not in header]
                if missing:
                    raise NetworkError(
                        f"The {label} from {url_hint} does not have the expected CSV header (missing "
                        f"{', '.join(missing)}): the publisher may have changed its layout; nothing was cached: "
                        "check the base URL setting, or report it to the gapmap maintainers."
                    )
                last: list[str] | None = None
                for row in reader:
                    if row:
                        last = row
            except csv.Error as error:
                raise NetworkError(f"The {label} from {url_hint} is not a readable CSV (line {reader.line_num}: "
                                   f"{error}); nothing was cached: run the command again, or check the base URL "
                                   "setting.") from None
        if last is None:
            raise NetworkError(f"The {label} from {url_hint} has a header but no rows; nothing was cached: "
                               "check the request parameters and the base URL setting.")
        if len(last) < len(header):
            raise NetworkError(f"The {label} from {url_hint} was cut short (its last row has {len(last)} of "
                               f"{len(header)} fields); nothing was cached: run the command again.")

    return validate


def json_validator(*, label: str, url_hint: str) -> Validator:
    """Return a validator checking that a body is a JSON object without an ``error`` member (ArcGIS style).

    Parameters
    ----------
    label, url_hint
        What it is and where it came from, for the message.

    Returns
    -------
    callable
        Raises :class:`~gapmap.errors.NetworkError` on a body that does not pass.
    """

    def validate(path: Path) -> None:
        reject_html(path, label=label, url_hint=url_hint)
        try:
            data = json.loads(path.read_bytes())
        except ValueError as error:
            raise NetworkError(f"The {label} from {url_hint} is not valid JSON ({error}); nothing was cached: "
                               "try again.") from None
        if not isinstance(data, dict):
            raise NetworkError(f"The {label} from {url_hint} is not a JSON object; nothing was cached.")
        if "error" in data:
            message = data["error"].get("message") if isinstance(data["error"], dict) else data["error"]
            raise NetworkError(f"The server answered the {label} request {url_hint} with an error ({message}); "
                               "check the ONS service names in the gapmap config file.")

    return validate
