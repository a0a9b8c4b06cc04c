"""The URL settings of the Statuspage integration, as the contract document defines them.

``Contract.url_settings`` (an :class:`UrlSettings`) is the one place the rest of the toolkit
reads their paths, operations, statuses, resource type and field places from: the list and
the create on the collection path, the update and the delete on the item path
(``…/url_settings/{statuspage_url_setting_id}``).
"""

from __future__ import annotations

import copy
import re
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

from .bodies import property_path, value_at
from .model import Operation, Statuses

#: The named schema of the URL settings' resource type.
TYPE_SCHEMA = "StatuspageUrlSettingType"
#: The attribute no two settings of an organisation may share (a second one is a conflict).
URL_FIELD = "url"
#: The resource id's property in a body (JSON:API's ``data.id``).
ID_FIELD = "id"
_PARAMETER = re.compile(r"\{([^{}/]+)\}")


def _schema_path(path: tuple[str, ...]) -> tuple[str, ...]:
    """Where a body path's schema stands inside an object schema."""
    return tuple(part for name in path for part in ("properties", name))


class UrlSettings:
    """The URL settings' operations (by method), paths, statuses and field places."""

    def __init__(self, resource_type: str, paths: list[str], operations: list[Operation]) -> None:
        self.type = resource_type
        items = [p for p in paths if _PARAMETER.search(p)]
        collections = [p for p in paths if not _PARAMETER.search(p)]
        if len(items) != 1 or len(collections) != 1:  # pragma: no cover - a document change
            raise ValueError(f"expected a collection and an item path, found {paths}")
        self.collection_path, self.item_path_template = collections[0], items[0]
        #: The item path's parameter (the setting's id).
        self.id_parameter = _PARAMETER.findall(self.item_path_template)[0]
        self.operations: dict[str, Operation] = {
            op.method: op for op in operations if op.path in (*collections, *items)
        }
        self._item_prefix = self.item_path_template.split("{", 1)[0]

    # -- operations and statuses ----------------------------------------------------------
    @property
    def listing(self) -> Operation:
        return self._by_shape(self.collection_path, body=False)

    @property
    def create(self) -> Operation:
        return self._by_shape(self.collection_path, body=True)

    @property
    def update(self) -> Operation:
        return self._by_shape(self.item_path_template, body=True)

    @property
    def delete(self) -> Operation:
        return self._by_shape(self.item_path_template, body=False)

    def _by_shape(self, path: str, *, body: bool) -> Operation:
        return next(
            op
            for op in self.operations.values()
            if op.path == path and (op.request_schema is not None) is body
        )

    @cached_property
    def status(self) -> Statuses:
        """Their status codes by meaning (``contract.url_settings.status.conflict``)."""
        return Statuses.of(self.operations)

    # -- paths ----------------------------------------------------------------------------
    def item_path(self, setting_id: str) -> str:
        """The item path of one setting, its id percent-encoded as one path segment."""
        return self._item_prefix + quote(setting_id, safe="")

    def id_in(self, path: str) -> str | None:
        """The (decoded) setting id an item path names, None for any other path."""
        if not path.startswith(self._item_prefix):
            return None
        rest = path[len(self._item_prefix) :]
        return unquote(rest) if rest and "/" not in rest else None

    def operation_at(self, method: str, path: str) -> Operation | None:
        """The operation ``method`` names on ``path`` (a URL settings path), else None."""
        if not self.covers(path):
            return None
        wanted = self.item_path_template if self.id_in(path) is not None else self.collection_path
        found = self.operations.get(method.upper())
        return found if found is not None and found.path == wanted else None

    def covers(self, path: str) -> bool:
        """Whether ``path`` is the collection path or an item path."""
        return path.rstrip("/") == self.collection_path or self.id_in(path) is not None

    # -- bodies ---------------------------------------------------------------------------
    @cached_property
    def attributes_path(self) -> tuple[str, ...]:
        """Where the attributes stand in a body (requests and responses alike)."""
        return self._path_of(URL_FIELD)[:-1]

    @cached_property
    def id_path(self) -> tuple[str, ...]:
        """Where the setting's id stands in an update request and in a response."""
        found = property_path(self.update.request_schema or {}, ID_FIELD)
        if found is None:  # pragma: no cover - guards a document change
            raise ValueError("the update request has no id")
        return found

    @cached_property
    def id_limit(self) -> int | None:
        """The longest id an update's body may carry (its schema's maxLength), if any."""
        schema = value_at(self.update.request_schema or {}, _schema_path(self.id_path))
        return schema.get("maxLength")

    @cached_property
    def type_path(self) -> tuple[str, ...]:
        return (*self.attributes_path[:-1], next(iter(self._type_property())))

    def _type_property(self) -> list[str]:
        data = value_at(self.create.request_schema or {}, ("properties", self.attributes_path[0]))
        return [k for k, s in data["properties"].items() if s.get("enum") == [self.type]]

    def _path_of(self, name: str) -> tuple[str, ...]:
        found = property_path(self.create.request_schema or {}, name)
        if found is None:  # pragma: no cover - guards a document change
            raise ValueError(f"the create request has no {name!r}")
        return found

    @property
    def url_field(self) -> str:
        return URL_FIELD

    @cached_property
    def attribute_names(self) -> tuple[str, ...]:
        """The attributes a setting has (the create request's), e.g. its url and tags."""
        schema = value_at(self.create.request_schema or {}, _schema_path(self.attributes_path))
        return tuple(schema["properties"])

    def attribute_schema(self, method: str, name: str) -> dict[str, Any]:
        """One attribute's schema in the create's or the update's request body."""
        body = self.operations[method.upper()].request_schema or {}
        found = value_at(body, _schema_path((*self.attributes_path, name)), None)
        return found if isinstance(found, dict) else {}

    def attributes_of(self, body: Any) -> dict[str, Any] | None:
        """A request body's attributes object, None when it has none."""
        found = value_at(body, self.attributes_path, None)
        return found if isinstance(found, dict) else None

    def id_of(self, body: Any) -> Any:
        """The id a body carries at :attr:`id_path` (None when absent)."""
        return value_at(body, self.id_path, None)

    def ids_listed(self, body: Any) -> list[str] | None:
        """The ids a list body names, in order; None when it is no list of settings (a
        setting without a string id makes the whole list unreadable)."""
        items = body.get(self.attributes_path[0]) if isinstance(body, dict) else None
        if not isinstance(items, list):
            return None
        ids = [value_at(item, self.id_path[1:], None) for item in items]
        return ids if all(isinstance(i, str) for i in ids) else None

    def data(self, setting_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """One setting's resource object (what ``data`` holds in a response)."""
        top = self.attributes_path[0]
        body = self.document(setting_id, attributes)
        return dict(body[top])

    def document(self, setting_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """One setting as a response body: its type, id and attributes in place."""
        body: dict[str, Any] = {}
        for path, value in (
            (self.type_path, self.type),
            (self.id_path, setting_id),
            (self.attributes_path, dict(attributes)),
        ):
            node = body
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        return body

    def list_document(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """The list's body: every setting's resource object (:meth:`data`) in order."""
        return {self.attributes_path[0]: list(items)}

    def request_example(self, method: str) -> Any:
        """A fresh copy of the documented request example of the create or the update."""
        return copy.deepcopy(self.operations[method.upper()].request_example)
