"""Carry the request id from the request that queued a task into the task's log lines."""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from apps.core.logging import clean_request_id, get_request_id, request_id_var

_tokens: dict[str, Any] = {}


@before_task_publish.connect
def add_request_id_header(headers: dict | None = None, **kwargs: Any) -> None:
    if headers is not None and "request_id" not in headers:
        headers["request_id"] = get_request_id()


@task_prerun.connect
def bind_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    if request is None or request.is_eager:
        return  # eager tasks run inside the caller and already see its request id
    incoming = getattr(request, "request_id", None) or (request.headers or {}).get("request_id")
    _tokens[task_id] = request_id_var.set(clean_request_id(incoming))


@task_postrun.connect
def unbind_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
