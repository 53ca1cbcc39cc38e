"""What every drawing style returns: a Drawing (a graphviz.Digraph that says how to install Graphviz when
`dot` is missing), and TooBig, a style's refusal of a graph past where it stays legible."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import graphviz

from ..core.files import write_atomic
from .views import Box

__all__ = ["Drawing", "GraphvizNotFound", "TooBig", "scalable_svg"]

_INSTALL_HINT = (
    "install Graphviz's `dot` program: Debian/Ubuntu `sudo apt-get install graphviz`, "
    "macOS `brew install graphviz`, conda `conda install -c conda-forge graphviz`"
)


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs the `dot` program; the message says how to install it."""

    def __init__(self, cause: graphviz.ExecutableNotFound) -> None:
        RuntimeError.__init__(
            self,
            f"rendering needs Graphviz, which is not on PATH ({cause}); {_INSTALL_HINT}. "
            f"The DOT text is available without it: drawing.source",
        )


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def scalable_svg(svg: str) -> str:
    """graphviz's SVG made to fit its container: width="100%" (the viewBox keeps the shape), never drawn
    wider than its natural size, so a small graph keeps its text size and a big one fits the cell or page."""
    return _SVG_SIZE.sub(lambda m: f'<svg width="100%" style="max-width:{m[1]}pt;height:auto"', svg, count=1)


class TooBig(ValueError):
    """draw's refusal of a graph past its view's legible limit: `count` boxes, more than `limit`, in `view`
    ("nodes": a box per node, "neurons": a box per neuron, "focus": the paths to one node, "circuit")."""

    def __init__(self, message: str, count: int, limit: int, view: str) -> None:
        super().__init__(message)
        self.count, self.limit, self.view = count, limit, view


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph whose render/pipe say how to install Graphviz when `dot` is missing.

    It also carries `boxes`, what each box stands for (views.Box), and `box_ids`, each box's SVG id
    (None where focus= leaves it out), for a page that restyles one drawing step by step.
    """

    boxes: list[Box]
    box_ids: list[str | None]

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFound(e) from e

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        outfile: str | os.PathLike | None = None,
        **kwargs: Any,
    ) -> str:
        """graphviz's render, written atomically (core.files): the picture goes to `filename.format` (or
        `outfile`), the DOT text to `filename` unless cleanup=True. Returns the picture's path."""
        if view or kwargs:
            raise TypeError(f"Drawing.render takes filename, directory, cleanup, format and outfile, not {kwargs}")
        fmt = format or (Path(outfile).suffix.lstrip(".") if outfile else None) or self.format
        source = Path(directory or "", filename if filename is not None else self.filename or "graph")
        out = Path(directory or "", outfile) if outfile is not None else source.with_name(f"{source.name}.{fmt}")
        write_atomic(out, self.pipe(format=fmt))
        if not cleanup:
            write_atomic(source, self.source)
        return str(out)

    def save(
        self, filename: str | os.PathLike | None = None, directory: str | os.PathLike | None = None, **_: Any
    ) -> str:  # noqa: E501
        """The DOT text, written atomically to `filename`; its path."""
        return str(write_atomic(Path(directory or "", filename or self.filename or "graph.gv"), self.source))

    def svg(self) -> str:
        """The drawing as an SVG that scales to the width of its container (see scalable_svg)."""
        return scalable_svg(self.pipe(format="svg", encoding="utf-8"))

    def _repr_image_svg_xml(self) -> str:  # how Jupyter shows a drawing: it fits the cell
        return self.svg()
