"""The facilitator's HTTP side: live metrics, exports, and the maze designer's preview."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response

from app.api import FieldError
from app.auth import facilitator_room
from app.rooms import Room
from facilitator import exports
from game.board import MazeError, path_shape
from game.metrics import session_metrics
from game.replay import write_log
from game.settings import SettingsError, parse_maze

router = APIRouter()

Export = Literal["events.csv", "per-minute.csv", "summary.csv", "log.jsonl"]
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get("/api/workshops/{workshop_id}/metrics")
async def metrics(room: Annotated[Room, Depends(facilitator_room)]) -> dict[str, Any]:
    return session_metrics(room.log, now=room.clock())


@router.get("/api/workshops/{workshop_id}/export/{name}")
async def export(name: Export, room: Annotated[Room, Depends(facilitator_room)]) -> Response:
    now = room.clock()
    body = {
        "events.csv": lambda: exports.events_csv(room.log),
        "per-minute.csv": lambda: exports.per_minute_csv(room.log, now=now),
        "summary.csv": lambda: exports.summary_csv(room.log, now=now),
        "log.jsonl": lambda: write_log(room.log),  # the library's file: header and checksum
    }[name]()
    filename = exports.download_name(room.log, f"-{name}")
    return Response(
        body,
        media_type=MEDIA[name.rsplit(".", 1)[1]],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/api/maze/preview")
async def preview(body: dict[str, Any]) -> dict[str, Any]:
    """The maze a set-up would make: a generated path, or a drawn one checked square by square.
    A drawing is checked at every click, so its verdict is an answer, not a refusal: `valid`
    false with the first wrong square, and `unfinished` when it is only short of the far edge."""
    try:
        maze = parse_maze(body)
    except SettingsError as error:
        loc = ["body", *error.setting.split(".")[1:]]
        if error.setting != "maze.path" or not isinstance(error.__cause__, MazeError):
            raise FieldError(loc, error.reason) from None
        return {
            "valid": False,
            "unfinished": error.__cause__.unfinished,
            "detail": [{"loc": loc, "msg": error.reason, "type": "value_error"}],
        }
    return {
        "valid": True,
        "cols": maze.cols,
        "rows": maze.rows,
        "diagonal": maze.diagonal,
        "path": [list(square) for square in maze.path],
        "length": len(maze.path),
        "shape": path_shape(maze.path),
    }
