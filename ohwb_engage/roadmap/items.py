"""The roadmap as a tree: roll-up of progress, ancestry checks, depth-first order.

Pure functions over items (anything with ``id``, ``parent_id``, ``status``, ``progress`` and
``position``), so the item pages, the public page and the strategy document all show the
same figures and the rules can be tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ohwb_engage.roadmap.models import ItemStatus


class TreeItem(Protocol):
    id: int
    parent_id: int | None
    status: str
    progress: int
    position: int


def children_of(items: Iterable[TreeItem]) -> dict[int | None, list[TreeItem]]:
    """Children by parent id (``None``: the top level), each list in display order.

    An item whose parent is not among ``items`` counts as top level, so a partial list
    still renders as a tree.
    """
    items = list(items)
    ids = {item.id for item in items}
    children: dict[int | None, list[TreeItem]] = defaultdict(list)
    for item in items:
        parent = item.parent_id if item.parent_id in ids else None
        children[parent].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.id))
    return children


def rolled_up(items: Iterable[TreeItem]) -> dict[int, int]:
    """Each item's progress, 0-100: a leaf's own (100 when done); a parent's is the mean of
    its children's (dropped children left out), recursively. A parent whose children are all
    dropped counts as a leaf."""
    children = children_of(items)
    result: dict[int, float] = {}

    def value(item: TreeItem, seen: frozenset[int]) -> float:
        if item.id in result:
            return result[item.id]
        counted = [
            child
            for child in children.get(item.id, [])
            if child.status != ItemStatus.DROPPED.value and child.id not in seen
        ]
        if counted:
            own = sum(value(c, seen | {item.id}) for c in counted) / len(counted)
        elif item.status == ItemStatus.DONE.value:
            own = 100.0
        else:
            own = float(item.progress)
        result[item.id] = own
        return own

    for siblings in list(children.values()):
        for item in siblings:
            value(item, frozenset())
    return {item_id: round(v) for item_id, v in result.items()}


def ancestors(item_id: int | None, parents: dict[int, int | None]) -> list[int]:
    """The chain of parent ids above ``item_id``, nearest first (stops at a loop)."""
    chain: list[int] = []
    current = parents.get(item_id) if item_id is not None else None
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def would_cycle(item_id: int, new_parent_id: int | None, parents: dict[int, int | None]) -> bool:
    """True if putting ``item_id`` under ``new_parent_id`` makes it its own ancestor."""
    if new_parent_id is None:
        return False
    return new_parent_id == item_id or item_id in ancestors(new_parent_id, parents)


def descendants(item_id: int, children: dict[int | None, list[TreeItem]]) -> set[int]:
    found: set[int] = set()
    stack = [item_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child.id not in found:
                found.add(child.id)
                stack.append(child.id)
    return found


@dataclass(frozen=True)
class Row:
    """An item in depth-first display order, with its depth and rolled-up progress."""

    item: TreeItem
    depth: int
    progress: int
    has_children: bool


def flatten(items: Sequence[TreeItem]) -> list[Row]:
    """The tree depth first, parents before children, siblings in position order."""
    children = children_of(items)
    progress = rolled_up(items)
    rows: list[Row] = []

    def walk(parent: int | None, depth: int, seen: frozenset[int]) -> None:
        for item in children.get(parent, []):
            if item.id in seen:
                continue
            rows.append(Row(item, depth, progress[item.id], bool(children.get(item.id))))
            walk(item.id, depth + 1, seen | {item.id})

    walk(None, 0, frozenset())
    return rows
