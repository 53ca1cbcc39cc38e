"""Backprop as slides: an animated GIF with one frame per backward step (plus the start), from draw(step=k).

Each frame is the drawing after k steps, rendered by Graphviz at the dpi that makes it about
`width` pixels wide, with the step's row of the trace as a caption under it; Pillow pads the
frames to one size and writes the GIF (and, if asked, every frame as a PNG).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

from ..core.engine import Value
from ..core.files import atomic_file, check_output, output_folder
from ..core.progress import progress_bar
from ..notation.formats import visible
from ..notation.names import partial
from ..teaching.trace import Trace, trace_backward
from .draw import draw

__all__ = ["animate", "MAX_STEPS", "WIDTH"]

MAX_STEPS = 200  # one Graphviz run per frame: past this a GIF takes minutes and no one watches it
WIDTH = 1280  # pixels: a slide's width
MIN_DPI = 54.0  # the drawing's 12 pt text at 9 px: smaller is not read on a slide
MAX_ASPECT = 2.5  # a frame at most 2.5 times as tall as wide (3200 px at 1280): past it, not a slide
SLIDE_HEIGHT = 800  # pixels: of the slide a layout is chosen for (left to right or top to bottom)
MAX_PIXELS = 250e6  # pixels of all frames together: Pillow holds every frame (1 byte a pixel) while writing
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
        return [visible(f"start: {partial(root, root)} = 1; {n} step{'s' * (n != 1)} to go")]
    lines = visible(str(trace[k - 1])).splitlines()
    lines[0] = re.sub(r"^step (\d+):", lambda m: f"step {m[1]}/{n}:", lines[0])
    if len(lines) > _CAPTION_LINES:
        more = len(lines) - _CAPTION_LINES + 1
        lines = lines[: _CAPTION_LINES - 1] + [f"    … {more} more row{'s' * (more != 1)} (print the trace for all)"]
    return lines


def _fit(line: str, font: Any, px: float) -> str:
    """The line, cut with … where it would run past px pixels (the trace has the whole row)."""
    if font.getlength(line) <= px:
        return line
    while line and font.getlength(line + "…") > px:
        line = line[:-1]
    return line + "…"


def _font(ImageFont: Any, size: int) -> Any:
    for name in _FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's own font: may lack ∂, but is always there


def _svg_size_pt(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"', svg)
    if m is None:
        raise ValueError("animate: Graphviz wrote an SVG without its size in points")
    return float(m[1]), float(m[2])


def _layout(trace: Trace, width: int, options: dict[str, Any]) -> tuple[float, float, int, str | None]:
    """How the trace draws with these draw options at `width`: (how big its text would be on a slide of
    width × 800 px, dpi, frame height in px, None, or why it makes no slide). The last frame is measured:
    its gradients make the widest labels."""
    w_pt, h_pt = _svg_size_pt(
        draw(trace.root, step=len(trace), trace=trace, **options).pipe(format="svg", encoding="utf-8")
    )
    dpi = min(width * 72.0 / w_pt, 2 * 72.0)  # a tiny graph is not blown up past 2x
    height = round(h_pt * dpi / 72.0) + _caption_height(width)
    on_slide = min(width / w_pt, (SLIDE_HEIGHT - _caption_height(width)) / h_pt)
    if dpi < MIN_DPI:
        need = math.ceil(w_pt * MIN_DPI / 72.0)
        return (
            on_slide,
            dpi,
            height,
            (
                f"{w_pt / 72:.0f} inches wide: at {width} px its 12 pt text would be "
                f"{12 * dpi / 72:.1f} px, under 9 px (frames {need} px wide would do: "
                f"width={need}, --width {need})"
            ),
        )
    if height > MAX_ASPECT * width:
        return (
            on_slide,
            dpi,
            height,
            (f"too tall for a slide: {width}×{height} px frames, more than {MAX_ASPECT:g} widths"),
        )
    return on_slide, dpi, height, None


def _caption_height(width: int) -> int:
    font_px = _font_px(width)
    return round(font_px * 1.35) * _CAPTION_LINES + font_px


def _font_px(width: int) -> int:
    return max(12, round(width / 72))


def animate(
    root: Value | Trace,
    path: str | Path,
    frames_dir: str | Path | None = None,
    *,
    width: int = WIDTH,
    duration: int = 1500,
    max_steps: int = MAX_STEPS,
    progress: bool = False,
    **draw_options: Any,
) -> Path:
    """Write an animated GIF of backward from root: frame k is draw(root, step=k), k = 0 .. steps.

    frames_dir: also write each frame there as frame-000.png, frame-001.png, ...
    width: the frames' width in pixels. duration: milliseconds per frame (the first and last stay twice as long).
    progress: show a progress bar (tqdm, if installed) when the frames take more than a second.
    draw_options go to `draw`; without a rankdir the graph is laid out left to right, else top to bottom
    if only that fits. Refuses a graph whose text would be under 9 px at that width or whose frames would
    be taller than 2.5 widths, and more than max_steps steps: none of them reads as a slide.
    Returns the GIF's path.
    """
    if Path(path).suffix.lower() != ".gif":
        raise ValueError(
            f"animate writes a GIF: name the file *.gif, not {str(path)!r:.80} (each frame as a PNG: frames_dir)"
        )
    check_output(path)  # a link, FIFO or missing folder is refused before the frames are drawn
    folder = None if frames_dir is None else output_folder(frames_dir)
    Image, ImageDraw, ImageFont = _image_module()
    trace = root if isinstance(root, Trace) else trace_backward(root)
    n, name = len(trace), trace.names[trace.root]
    if n > max_steps:
        raise ValueError(
            f"animate: backward from {name!r} takes {n} steps, more than max_steps={max_steps}; "
            f"print trace_backward(root) instead, or raise it"
        )
    if isinstance(width, bool) or not isinstance(width, int) or width < 200:
        raise ValueError(f"animate: width must be a whole number of pixels, at least 200, got {width!r}")
    # every frame at one dpi (the same boxes at the same size), in the layout that makes the best slide:
    # a box per node, else per neuron (draw's collapse); left to right or top to bottom, whichever shows
    # bigger text on a slide 800 px high
    rankdirs = [draw_options.pop("rankdir")] if "rankdir" in draw_options else ["LR", "TB"]
    views = [draw_options.pop("collapse")] if "collapse" in draw_options else [False, True]
    layouts = {}
    for collapse in views:
        for rankdir in rankdirs:
            options = {**draw_options, "rankdir": rankdir, "collapse": collapse}
            where = (
                f"{'a box per neuron, ' if collapse else ''}{'left to right' if rankdir == 'LR' else 'top to bottom'}"
            )
            try:
                layouts[where] = (*_layout(trace, width, options), options)
            except ValueError as e:  # more boxes than draw shows legibly in this view
                layouts[where] = (0.0, 0.0, 0, str(e).split(":")[0], options)
        fits = [lay for lay in layouts.values() if lay[3] is None]
        if fits:
            break
    else:
        told = "; ".join(f"{where} it is {lay[3]}" for where, lay in layouts.items())
        raise ValueError(
            f"animate: the graph under {name!r} makes no slide: {told}. Animate a smaller graph "
            f"(the reference network up to M=3, H=4), or use the stepper page"
        )
    _, dpi, height, _, options = max(fits, key=lambda lay: lay[0])
    if (n + 1) * width * height > MAX_PIXELS:
        raise ValueError(
            f"animate: {n + 1} frames of {width}×{height} px would hold {(n + 1) * width * height / 1e6:.0f} "
            f"MB while the GIF is written, more than {MAX_PIXELS / 1e6:.0f} MB; animate a smaller graph"
        )
    font_px, caption_h = _font_px(width), _caption_height(width)
    bar = progress_bar(2 * (n + 1), "animate: drawing, then writing frames", "frame", progress)
    pngs = []  # compressed: a frame is decoded only while it is assembled
    for k in range(n + 1):
        g = draw(trace.root, step=k, trace=trace, **options)
        g.graph_attr.update(dpi=f"{dpi:.2f}", bgcolor="white", pad="0.2")
        pngs.append(g.pipe(format="png"))
        bar.update()
    font = _font(ImageFont, font_px)
    H = max(height, *(Image.open(io.BytesIO(p)).height + caption_h for p in pngs))

    def frame(k: int) -> Any:
        picture = Image.open(io.BytesIO(pngs[k])).convert("RGB")
        if picture.width > width:  # a frame whose labels came out wider than the last's: shrink it a little
            picture = picture.resize((width, round(picture.height * width / picture.width)), Image.LANCZOS)
        out = Image.new("RGB", (width, H), "white")
        out.paste(picture, ((width - picture.width) // 2, 0))
        pen = ImageDraw.Draw(out)
        y = H - caption_h + font_px // 2
        pen.line([(0, y - font_px // 4), (width, y - font_px // 4)], fill="#999999")
        for line in _caption(trace, k):
            pen.text((font_px, y), _fit(line, font, width - 2 * font_px), fill="black", font=font)
            y += round(font_px * 1.35)
        return out

    # one shared palette, so a box keeps its colour from frame to frame: taken from the first frame
    # (all pending), a middle one (a current step) and the last (all done), which hold every colour
    sample = [0, n // 2, n]
    strip = Image.new("RGB", (width, H * len(sample)), "white")
    for i, k in enumerate(sample):
        strip.paste(frame(k), (0, i * H))
    palette = strip.quantize(colors=255)
    del strip

    def gif_frames():
        for k in range(n + 1):
            f = frame(k)
            if folder is not None:
                with atomic_file(folder / f"frame-{k:03d}.png") as out:
                    f.save(out, format="PNG")
            bar.update()
            yield f.quantize(palette=palette, dither=Image.Dither.NONE)

    durations = [duration] * (n + 1)
    durations[0] = durations[-1] = 2 * duration
    frames = gif_frames()
    with atomic_file(path) as gif:  # the GIF replaces the old one only once it is whole
        first = next(frames)
        first.save(gif, "GIF", save_all=True, append_images=frames, duration=durations, loop=0, disposal=1)
    bar.close()
    return Path(path)
