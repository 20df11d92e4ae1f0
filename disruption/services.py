"""Writes of intelligence: entities, links (and the alerts they raise), disruption activity and
MACE meetings. Each write is one transaction with its audit record."""

from __future__ import annotations

from django.db import models

from .models import NODE_FIELDS, Node, NodeKind

_KIND_OF_MODEL = {
    Node._meta.get_field(field).related_model: kind for kind, field in NODE_FIELDS.items()
}


def node_label(record: models.Model) -> str:
    return str(record)[:200]


def node_for(record: models.Model) -> Node:
    """The network node of a young person or an entity, made on first use (inside the
    caller's transaction); its label follows the record's current name."""
    kind = NodeKind(_KIND_OF_MODEL[type(record)])
    field = NODE_FIELDS[kind]
    node, created = Node.objects.get_or_create(
        **{field: record},
        defaults={"area_id": record.area_id, "kind": kind, "label": node_label(record)},  # type: ignore[attr-defined]
    )
    if not created and node.label != node_label(record):
        node.label = node_label(record)
        node.save(update_fields=["label"])
    return node
