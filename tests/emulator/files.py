"""Files: stored uploads and photo sizes, what the bot uploads (limits, image checks), getFile."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from pathlib import Path
from typing import Any

from .common import (
    EXT,
    FILE_PREFIX,
    MB,
    WRONG_FILE_ID,
    _guess_mime,
    _image_size,
    _Upload,
    bad,
)
from .models import ApiError, StoredFile
from .state import EmulatorState


class FilesMixin(EmulatorState):
    def file_bytes(self, file_id: str) -> bytes:
        f = self._files[file_id]
        return f.data if f.data is not None else b""

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        n = next(self._ids)
        tail = secrets.token_urlsafe(9)
        return f"{FILE_PREFIX.get(kind, 'BQACAg')}{n:07d}-{tail}", f"AQAD{n:07d}{tail[:4]}"

    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        declared_size: int | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        file_id, unique = self._new_file_id(kind)
        size = declared_size if declared_size is not None else len(data)
        f = StoredFile(
            file_id,
            unique,
            kind,
            size,
            data if declared_size is None else (data or None),
            file_name,
            mime_type,
            width,
            height,
            duration=5 if kind in ("video", "voice") else 0,
        )
        if kind == "video" and not width:
            f.width, f.height = 1280, 720
        self._files[file_id] = f
        return f

    def store_photo(self, data: bytes, width: int = 0, height: int = 0) -> list[StoredFile]:
        """Photo sizes, largest LAST holding exactly ``data``; smaller ones hold small distinct bytes."""
        if not width:
            width, height = _image_size(data) or (1280, 960)
        digest = hashlib.sha1(data).hexdigest()[:12].encode()
        sizes = []
        for side in (90, 320):
            scale = side / max(width, height, 1)
            if scale >= 1:
                continue
            thumb = b"emu-thumb-" + str(side).encode() + b"-" + digest
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            sizes.append(self.store_file("photo", thumb, mime_type="image/jpeg", width=w, height=h))
        sizes.append(self.store_file("photo", data, mime_type="image/jpeg", width=width, height=height))
        if len(sizes) == 1:  # tiny image: still give at least two sizes
            thumb = b"emu-thumb-small-" + digest
            small = self.store_file("photo", thumb, mime_type="image/jpeg", width=width, height=height)
            sizes.insert(0, small)
        for f in sizes:
            f.photo_group = sizes
        return sizes

    @staticmethod
    def photo_size_dict(f: StoredFile) -> dict:
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "width": f.width,
            "height": f.height,
            "file_size": f.size,
        }

    @staticmethod
    def file_dict(f: StoredFile) -> dict:
        d: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.kind == "video":
            d.update(width=f.width or 1280, height=f.height or 720, duration=f.duration or 5)
        if f.file_name:
            d["file_name"] = f.file_name
        if f.mime_type:
            d["mime_type"] = f.mime_type
        d["file_size"] = f.size
        return d

    def _local_dir(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="tg-emu-files-"))
        return self._tmpdir

    def _media_file(
        self,
        params: dict,
        files: dict[str, _Upload],
        value: Any,
        kind: str,
        field: str,
        file_name_hint: str | None = None,
    ) -> tuple[StoredFile, list[StoredFile] | None]:
        """Resolve an InputFile/attach:// upload, a file_id, or (local mode) a file:// path."""
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad(f'can\'t find attached file "{value[len("attach://") :]}"')
        elif value is None or value == "":
            upload = files.get(field)
            if upload is None:
                raise bad(f"there is no {field} in the request")
        if upload is None:
            value = str(value)
            if value.startswith("file://") and self.local_mode:
                path = Path(value[len("file://") :])
                if not path.is_file():
                    raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
                upload = _Upload(path.name, path.read_bytes())
            elif value.startswith(("http://", "https://")):
                raise bad("failed to get HTTP URL content")
            else:
                f = self._files.get(value)
                if f is None:
                    raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
                if (kind == "photo") != (f.kind == "photo"):
                    raise bad("type of file mismatch")
                return f, f.photo_group
        data = upload.data
        if not data:
            raise bad("file must be non-empty")
        limit = 2000 * MB if self.local_mode else 50 * MB
        if kind == "photo" and not self.local_mode:
            limit = 10 * MB
        if len(data) > limit:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            dims = _image_size(data)
            if dims is None and self.validate_images:
                raise bad("IMAGE_PROCESS_FAILED")
            if dims is not None and (dims[0] + dims[1] > 10000 or max(dims) / max(1, min(dims)) > 20):
                raise bad("PHOTO_INVALID_DIMENSIONS")
            sizes = self.store_photo(data, *(dims or (1280, 960)))
            return sizes[-1], sizes
        name = upload.filename or file_name_hint
        mime = _guess_mime(name, kind)
        return self.store_file(kind, data, file_name=name, mime_type=mime), None

    def _media_content(self, kind: str, f: StoredFile, group: list[StoredFile] | None) -> dict:
        if kind == "photo":
            return {"photo": [self.photo_size_dict(s) for s in (group or [f])]}
        return {kind: self.file_dict(f)}

    async def _m_getFile(self, p: dict, files: dict) -> Any:
        f = self._files.get(str(p.get("file_id") or ""))
        if f is None:
            raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
        if self.local_mode:
            if f.local_path is None:
                path = self._local_dir() / f"{f.kind}s" / f"file_{len(self._paths)}{EXT.get(f.kind, '')}"
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as fh:
                    if f.data:
                        fh.write(f.data)
                    if f.size > len(f.data or b""):
                        fh.truncate(f.size)  # sparse: a "huge" file costs nothing
                f.local_path = str(path.resolve())
                self._paths[f.local_path] = f
            file_path = f.local_path
        else:
            if f.size > 20 * MB:
                raise bad("file is too big")
            if f.file_path is None:
                ext = EXT.get(f.kind, "")
                if f.kind == "document" and f.file_name and "." in f.file_name:
                    ext = "." + f.file_name.rsplit(".", 1)[1]
                f.file_path = f"{f.kind}s/file_{len(self._paths)}{ext}"
                self._paths[f.file_path] = f
            file_path = f.file_path
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "file_path": file_path,
        }
