"""The errors of the open-data package; each names the file and the place in it at fault."""

from __future__ import annotations


class OpenDataError(ValueError):
    """Base of every open-data error."""


class DistrictsFileError(OpenDataError):
    """A districts GeoJSON file cannot be used; names the file, the feature and the field."""

    def __init__(self, path: str, problem: str, *, feature: int | None = None, field: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.feature = feature
        self.field = field
        where = path
        if feature is not None:
            where += f", feature {feature}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


class ReleaseFileError(OpenDataError):
    """A frozen release file of an earlier export cannot be read; names the file."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")
