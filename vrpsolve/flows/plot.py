"""A picture of a flow-admission result: link utilisation on the network, admitted flows per class.

Rendered to PNG with matplotlib's Agg backend. Nodes are placed by a seeded force-directed layout
(the instance carries no coordinates), so the same instance always gives the same picture.
"""

from __future__ import annotations

from pathlib import Path

from vrpsolve.core.files import write_bytes_atomic
from vrpsolve.flows.model import FlowAdmissionInstance, FlowSolution, evaluate_flows


def render_flows(instance: FlowAdmissionInstance, solution: FlowSolution) -> bytes:
    """PNG bytes: the network with links coloured by utilisation, and a bar per priority class
    of admitted against offered flows."""
    import networkx as nx
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    evaluation = evaluate_flows(instance, solution)
    graph = instance.to_networkx()
    layout = nx.spring_layout(graph.to_undirected(), seed=0)
    figure = Figure(figsize=(11, 4.8), layout="constrained")
    FigureCanvasAgg(figure)
    network, classes = figure.subplots(1, 2, width_ratios=(2, 1))

    colours = colormaps["viridis"]
    scale = Normalize(0.0, 1.0)
    for k, link in enumerate(instance.links):
        (x0, y0), (x1, y1) = layout[link.source], layout[link.target]
        network.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": colours(scale(min(1.0, float(evaluation.utilisation[k])))),
                "lw": 1.5,
                "connectionstyle": "arc3,rad=0.12",
                "shrinkA": 5,
                "shrinkB": 5,
            },
        )
    xs, ys = zip(*(layout[n] for n in instance.nodes), strict=True) if instance.nodes else ((), ())
    network.scatter(xs, ys, s=30, color="black", zorder=3)
    network.set_title(
        f"{instance.name}: link utilisation (max {evaluation.utilisation.max(initial=0):.0%})"
    )
    network.set_axis_off()
    figure.colorbar(ScalarMappable(scale, colours), ax=network, label="utilisation")

    offered = [sum(1 for f in instance.flows if f.priority == p) for p in evaluation.classes]
    labels = [f"{p:g}" for p in evaluation.classes]
    classes.bar(labels, offered, color="lightgrey", label="offered")
    classes.bar(labels, evaluation.class_admitted, color="tab:green", label="admitted")
    classes.set_xlabel("priority class")
    classes.set_ylabel("flows")
    classes.set_title(f"admitted {evaluation.num_admitted} of {instance.num_flows} flows")
    classes.legend()
    from io import BytesIO

    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def write_flow_plot(instance: FlowAdmissionInstance, solution: FlowSolution, path: str | Path):
    """Write :func:`render_flows` to ``path`` atomically."""
    write_bytes_atomic(path, render_flows(instance, solution))
