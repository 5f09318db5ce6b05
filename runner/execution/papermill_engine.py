"""A papermill engine whose notebook client reports every kernel output as it arrives.

Registered as papermill engine ``toolbelt``. :func:`papermill.execute_notebook` passes
its keyword arguments through to :meth:`StreamingEngine.execute_managed_notebook`;
the runner adds ``output_observer``, an :class:`OutputObserver` that sees each
message (already masked) and the kernel manager once the kernel is up.
"""

from __future__ import annotations

from typing import Any, Protocol

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

ENGINE_NAME = "toolbelt"
OUTPUT_MESSAGES = ("stream", "display_data", "execute_result", "update_display_data", "error")


class OutputObserver(Protocol):
    """What the streaming client reports to."""

    def kernel_started(self, km: Any) -> None: ...

    def output(self, msg_type: str, content: dict[str, Any], cell_index: int, source: str | None = None) -> None:
        """One output message of cell ``cell_index`` (whose code is ``source``)."""

    def cell_starting(self, cell_index: int) -> None:
        """Called before each cell; may raise to stop the run before the cell runs."""

    def cell_finished(self, cell_index: int) -> None: ...


class StreamingNotebookClient(PapermillNotebookClient):
    """Papermill's client, reporting each output message to an observer first."""

    def __init__(self, nb_man: Any, *, output_observer: OutputObserver, **kw: Any) -> None:
        super().__init__(nb_man, **kw)
        self._observer = output_observer
        self._kernel_reported = False

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        if msg.get("msg_type") in OUTPUT_MESSAGES:
            # the observer masks secrets in place, so the saved notebook never holds them
            self._observer.output(msg["msg_type"], msg.get("content", {}), cell_index, cell.get("source"))
        return super().process_message(msg, cell, cell_index)

    def execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
        # nbclient binds its sync wrappers to the base coroutines, so hook the sync entry
        if not self._kernel_reported and self.km is not None:
            self._kernel_reported = True
            self._observer.kernel_started(self.km)
        self._observer.cell_starting(cell_index)
        try:
            return super().execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            self._observer.cell_finished(cell_index)


class StreamingEngine(NBClientEngine):
    """papermill's nbclient engine, with :class:`StreamingNotebookClient`."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        *,
        output_observer: OutputObserver,
        **kwargs: Any,
    ) -> Any:
        kwargs.pop("input_path", None)
        for name in ("timeout", "startup_timeout"):
            kwargs.pop(name, None)
        client = StreamingNotebookClient(
            nb_man,
            output_observer=output_observer,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        return client.execute()


def register() -> None:
    """Make ``engine_name="toolbelt"`` available to papermill (idempotent)."""
    papermill_engines.register(ENGINE_NAME, StreamingEngine)
