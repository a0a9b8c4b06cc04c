"""The named points of the mock's request handling where a fault mode acts.

A fault (:mod:`statuspage_contract.mock.faults`) declares what it does as :class:`Hooks`: one
function for each point it changes. The app (:mod:`statuspage_contract.mock.app`) resolves the
active faults' hooks once, as :class:`ActiveHooks`, and calls them at those points without
naming any fault; with no fault every point is an empty tuple, so a healthy mock pays nothing.

Every hook takes the contract first. The points are the fields of :class:`Hooks`, in the
order a request meets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from http import HTTPStatus
from typing import Any

from ..spec import Contract, Operation
from .state import Organisation
from .validation import BodyProblem

Header = tuple[bytes, bytes]


def always(*_: object) -> bool:
    """A hook for a fault that acts at its point whatever the request."""
    return True


@dataclass(frozen=True, slots=True)
class Hooks:
    """What one fault does: a function for each point it changes (the others stay None)."""

    #: The request has arrived whole (method, raw body): True leaves it unanswered.
    leaves_unanswered: Callable[[Contract, str, bytes | bytearray], bool] | None = None
    #: The DD keys are missing or unknown: True lets the request in as the default organisation.
    lets_in: Callable[[Contract, Operation], bool] | None = None
    #: The DD keys are refused: the status to answer instead of the contract's (the message is
    #: its phrase).
    refuses_keys_with: Callable[[Contract], HTTPStatus] | None = None
    #: A request is over the rate limit: the headers of its answer (given the rate headers).
    rate_limited_headers: Callable[[Contract, list[Header]], list[Header]] | None = None
    #: The application key lacks the operation's permission: True lets the request through.
    waives_permission: Callable[[Contract, Operation], bool] | None = None
    #: A body was parsed (data, or why it is not JSON), before it is validated: True answers 500.
    crashes_on: Callable[[Contract, Any, BodyProblem | None], bool] | None = None
    #: A create's body is valid (content type, data, request schema): a problem refuses it.
    refuses_create: (
        Callable[[Contract, str | None, Any, dict[str, Any]], BodyProblem | None] | None
    ) = None
    #: A body has a problem (method, problem, data): True takes it as if it were valid.
    accepts: Callable[[Contract, str, BodyProblem, Any], bool] | None = None
    #: A create that carried a key was refused as invalid (organisation, key; state locked).
    after_refused_create: Callable[[Contract, Organisation, str], None] | None = None
    #: A create is about to be stored (its key): a (status, message) answers it instead.
    answers_create: Callable[[Contract, str | None], tuple[int, str] | None] | None = None
    #: A create finds an account already there: True replaces it instead of the conflict.
    replaces_account: Callable[[Contract], bool] | None = None
    #: A delete found the account: True keeps it (the answer stays the same).
    keeps_deleted: Callable[[Contract], bool] | None = None
    #: An error message to a body that carried a key (key, message): the message to send.
    quotes: Callable[[Contract, str, str], str] | None = None
    #: An error answer (the envelope's key, its messages): the body instead of the envelope.
    error_body: Callable[[Contract, str, tuple[str, ...]], Any] | None = None
    #: A 2xx body built by the contract (body, the stored key): the body to send.
    account_body: Callable[[Contract, Any, str], Any] | None = None
    #: A URL settings body has passed its schema (operation, data): a status to answer
    #: instead (with its phrase), None to go on.
    answers_url_setting: Callable[[Contract, Operation, Any], HTTPStatus | None] | None = None
    #: A URL settings body was refused as invalid (operation, data): True stores what it
    #: carries all the same (the answer stays the refusal).
    stores_refused_url_setting: Callable[[Contract, Operation, Any], bool] | None = None
    #: A URL settings answer is about to take a step (mock/url_settings.py: a conflict, a
    #: not-found, storing an update): True skips it.
    skips_url_setting_step: Callable[[Contract, str], bool] | None = None
    #: A 2xx answer's media type: the one to send.
    success_media_type: Callable[[Contract, bytes], bytes] | None = None


@dataclass(frozen=True, slots=True)
class ActiveHooks:
    """The hooks of a set of faults, by point, in the faults' declared order.

    Where several act at one point: a yes/no point says yes if any hook does; a point that
    gives a value (an answer, a problem, a status, a body) takes the first hook's; a point that
    changes a value (headers, a message, a body, a media type) passes it through each in turn;
    ``after_refused_create`` calls each."""

    leaves_unanswered: tuple[Callable[[Contract, str, bytes | bytearray], bool], ...] = ()
    lets_in: tuple[Callable[[Contract, Operation], bool], ...] = ()
    refuses_keys_with: tuple[Callable[[Contract], HTTPStatus], ...] = ()
    rate_limited_headers: tuple[Callable[[Contract, list[Header]], list[Header]], ...] = ()
    waives_permission: tuple[Callable[[Contract, Operation], bool], ...] = ()
    crashes_on: tuple[Callable[[Contract, Any, BodyProblem | None], bool], ...] = ()
    refuses_create: tuple[
        Callable[[Contract, str | None, Any, dict[str, Any]], BodyProblem | None], ...
    ] = ()
    accepts: tuple[Callable[[Contract, str, BodyProblem, Any], bool], ...] = ()
    after_refused_create: tuple[Callable[[Contract, Organisation, str], None], ...] = ()
    answers_create: tuple[Callable[[Contract, str | None], tuple[int, str] | None], ...] = ()
    replaces_account: tuple[Callable[[Contract], bool], ...] = ()
    keeps_deleted: tuple[Callable[[Contract], bool], ...] = ()
    quotes: tuple[Callable[[Contract, str, str], str], ...] = ()
    error_body: tuple[Callable[[Contract, str, tuple[str, ...]], Any], ...] = ()
    account_body: tuple[Callable[[Contract, Any, str], Any], ...] = ()
    answers_url_setting: tuple[Callable[[Contract, Operation, Any], HTTPStatus | None], ...] = ()
    stores_refused_url_setting: tuple[Callable[[Contract, Operation, Any], bool], ...] = ()
    skips_url_setting_step: tuple[Callable[[Contract, str], bool], ...] = ()
    success_media_type: tuple[Callable[[Contract, bytes], bytes], ...] = ()

    @classmethod
    def of(cls, declared: Iterable[Hooks]) -> ActiveHooks:
        """Resolve the hooks of some faults, point by point (once, not per request)."""
        declared = list(declared)
        points = (point.name for point in fields(Hooks))
        return cls(
            **{
                point: tuple(h for d in declared if (h := getattr(d, point)) is not None)
                for point in points
            }
        )
