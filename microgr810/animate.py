"""Backprop as slides: an animated GIF with one frame per backward step (plus the start), from draw(step=k).

Each frame is the drawing after k steps, rendered by Graphviz at the dpi that makes it about
`width` pixels wide, with the step's row of the trace as a caption under it; Pillow pads the
frames to one size and writes the GIF (and, if asked, every frame as a PNG).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from .draw import draw
from .engine import Value
from .trace import Trace, trace_backward

__all__ = ["animate", "MAX_STEPS", "WIDTH"]

MAX_STEPS = 200   # one Graphviz run per frame: past this a GIF takes minutes and no one watches it
WIDTH = 1280      # pixels: a slide's width, where the drawing's 12 pt text stays legible up to ~40 boxes across
_CAPTION_LINES = 4
# monospaced, so the trace's columns line up as in a terminal; each has ∂, ·, −, →
_FONTS = ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "Menlo.ttc", "Consolas.ttf")


def _image_module() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as e:
        raise ImportError(f"animate needs Pillow to write images: pip install Pillow ({e})") from None
    return Image, ImageDraw, ImageFont


def _caption(trace: Trace, k: int) -> list[str]:
    """What frame k says: the start, or step k's header and its first rows (the trace's own text)."""
    n = len(trace)
    if k == 0:
        root = trace.names[trace.root]
        return [f"start: ∂{root}/∂{root} = 1; {n} step{'s' * (n != 1)} to go"]
    lines = str(trace[k - 1]).splitlines()
    lines[0] = re.sub(r"^step (\d+):", lambda m: f"step {m[1]}/{n}:", lines[0])
    if len(lines) > _CAPTION_LINES:
        more = len(lines) - _CAPTION_LINES + 1
        lines = lines[:_CAPTION_LINES - 1] + [f"    … {more} more row{'s' * (more != 1)} (print the trace for all)"]
    return lines


def _font(ImageFont: Any, size: int) -> Any:
    for name in _FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's own font: may lack ∂, but is always there


def _svg_width_pt(svg: str) -> float:
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    if m is None:
        raise ValueError("animate: Graphviz wrote an SVG without a width in points")
    return float(m[1])


def animate(root: Value | Trace, path: str | Path, frames_dir: str | Path | None = None, *,
            width: int = WIDTH, duration: int = 1500, max_steps: int = MAX_STEPS) -> Path:
    """Write an animated GIF of backward from root: frame k is draw(root, step=k), k = 0 .. steps.

    frames_dir: also write each frame there as frame-000.png, frame-001.png, ...
    width: the frames' width in pixels.
    duration: milliseconds per frame (the first and the last stay twice as long).
    Returns the GIF's path.
    """
    Image, ImageDraw, ImageFont = _image_module()
    trace = root if isinstance(root, Trace) else trace_backward(root)
    n = len(trace)
    if n > max_steps:
        raise ValueError(f"animate: backward from {trace.names[trace.root]!r} takes {n} steps, more than "
                         f"max_steps={max_steps}; print trace_backward(root) instead, or raise it")
    if width < 200:
        raise ValueError(f"animate: width must be at least 200 pixels, got {width!r}")
    drawings = [draw(trace.root, step=k, trace=trace) for k in range(n + 1)]
    # every frame at one dpi (the same boxes at the same size), chosen so the last, widest-labelled fits
    last_pt = _svg_width_pt(drawings[-1].pipe(format="svg", encoding="utf-8"))
    dpi = max(24.0, min(width * 72.0 / last_pt, 192.0))  # a tiny graph is not blown up past 2x
    font_px = max(12, round(width / 72))
    font = _font(ImageFont, font_px)
    pictures = []
    for g in drawings:
        g.graph_attr.update(dpi=f"{dpi:.2f}", bgcolor="white", pad="0.2")
        picture = Image.open(io.BytesIO(g.pipe(format="png"))).convert("RGB")
        if picture.width > width:  # a frame whose labels came out wider than the last's: shrink it a little
            picture = picture.resize((width, round(picture.height * width / picture.width)), Image.LANCZOS)
        pictures.append(picture)
    caption_h = round(font_px * 1.35) * _CAPTION_LINES + font_px
    W = width
    H = max(p.height for p in pictures) + caption_h
    frames = []
    for k, picture in enumerate(pictures):
        frame = Image.new("RGB", (W, H), "white")
        frame.paste(picture, ((W - picture.width) // 2, 0))
        pen = ImageDraw.Draw(frame)
        y = H - caption_h + font_px // 2
        pen.line([(0, y - font_px // 4), (W, y - font_px // 4)], fill="#999999")
        for line in _caption(trace, k):
            pen.text((font_px, y), line, fill="black", font=font)
            y += round(font_px * 1.35)
        frames.append(frame)
    if frames_dir is not None:
        folder = Path(frames_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            frame.save(folder / f"frame-{k:03d}.png")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # one shared palette, so a box keeps its colour from frame to frame: taken from the first frame
    # (all pending), a middle one (a current step) and the last (all done), which hold every colour
    sample = [frames[0], frames[len(frames) // 2], frames[-1]]
    strip = Image.new("RGB", (W, H * len(sample)), "white")
    for i, f in enumerate(sample):
        strip.paste(f, (0, i * H))
    palette = strip.quantize(colors=255)
    gif = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    durations = [duration] * len(gif)
    durations[0] = durations[-1] = 2 * duration
    gif[0].save(path, save_all=True, append_images=gif[1:], duration=durations, loop=0, optimize=False,
                disposal=1)
    return path
