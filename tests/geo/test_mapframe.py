"""geo.mapframe: the frame and polygon paths that the regency map and the casework maps share."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from geo.mapframe import ScaleBarStyle, fitted_view, polygon_path, scale_bar


@pytest.mark.parametrize("bounds", [(0, 0, 1000, 100), (0, 0, 100, 1000), (500, 500, 700, 700)])
def test_the_view_holds_the_bounds_with_their_margin_at_the_asked_aspect(bounds):
    west, south, east, north = fitted_view(bounds, 1.5, margin=0.05)
    pad = 0.05 * max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    assert (east - west) / (north - south) == pytest.approx(1.5)
    assert west <= bounds[0] - pad + 1e-9 and south <= bounds[1] - pad + 1e-9
    assert east >= bounds[2] + pad - 1e-9 and north >= bounds[3] + pad - 1e-9
    assert (west + east) / 2 == pytest.approx((bounds[0] + bounds[2]) / 2)
    assert (south + north) / 2 == pytest.approx((bounds[1] + bounds[3]) / 2)


def test_a_single_point_gets_a_frame_of_the_minimum_extent():
    assert fitted_view((10, 20, 10, 20), 2.0, margin=0.5, min_extent=4.0) == (6.0, 18.0, 14.0, 22.0)


def test_a_polygon_with_a_hole_is_one_path_with_both_rings():
    square = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    path = polygon_path(square)
    assert path is not None
    assert list(path.codes).count(MplPath.MOVETO) == 2 and list(path.codes).count(MplPath.CLOSEPOLY) == 2
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    ax.add_artist(PathPatch(path, facecolor="black", edgecolor="none"))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    assert tuple(pixels[50, 50, :3]) == (255, 255, 255)   # the hole stays empty
    assert tuple(pixels[90, 10, :3]) == (0, 0, 0)         # the ring around it is filled


def test_lines_points_and_empty_polygons_draw_nothing():
    assert polygon_path(shapely.GeometryCollection([shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)])])) is None
    assert polygon_path(shapely.Polygon()) is None
    parts = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    path = polygon_path(parts)
    assert path is not None and list(path.codes).count(MplPath.MOVETO) == 2


@pytest.mark.parametrize(("width", "length", "label"), [(1000.0, 200.0, "200 m"), (9000.0, 2000.0, "2 km"),
                                                        (120.0, 20.0, "20 m")])
def test_the_scale_bar_is_a_round_length_within_its_share_of_the_view(width, length, label):
    style = ScaleBarStyle(parts=4, left=0.05, bottom=0.06, thickness=0.025, box_below=1.2, box_height=4.8,
                          box_line=0.4, box_alpha=0.9, bar_line=0.4, label_above=1.6, font_size=5)
    fig = Figure(figsize=(2, 1))
    ax = fig.add_axes((0, 0, 1, 1))
    bar = scale_bar(ax, (0.0, 0.0, width, width / 2), style)
    assert bar.length == length and bar.x0 == pytest.approx(0.05 * width)
    assert [t.get_text() for t in ax.texts] == ["0", label]
    assert len(ax.patches) == 5    # the white box and four segments
