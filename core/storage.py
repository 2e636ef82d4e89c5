"""The file storage of uploads and rendered documents: Django's file system storage, writing each
file whole before it gets its name, so a full or failing disk never leaves a partly written file
behind (a failed upload or render then saves nothing; core.forms.call_service says so, and
core.documents marks the document failed). In production an S3-compatible store
(django-storages) does the same by its nature: an object appears only once fully uploaded."""

import contextlib
import os
import tempfile

from django.core.files import File
from django.core.files.storage import FileSystemStorage

STAGING = ".incoming"  # under MEDIA_ROOT: the same file system, so the final step is a rename


class _Staged(File):
    """A complete file on disk, which FileSystemStorage moves into place instead of copying."""

    def __init__(self, file, path: str) -> None:
        super().__init__(file, name=path)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content) -> str:
        staging = self.path(STAGING)
        os.makedirs(staging, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=staging, prefix="partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(content, "seek") and content.seekable():
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            with open(path, "rb") as whole:
                return super()._save(name, _Staged(whole, path))
        finally:
            with contextlib.suppress(FileNotFoundError):  # moved into place: nothing left to remove
                os.remove(path)
