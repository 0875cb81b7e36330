"""The admins' audit log: every recorded change, filterable by object and person."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app import permissions
from app.audit import services
from app.audit.services import OBJECT_TYPES
from app.guards import require
from app.queries import paginate

bp = Blueprint("audit", __name__)


@bp.route("/")
def index():
    require(permissions.can_view_audit_log(current_user))
    object_type = request.args.get("object_type", "")
    if object_type not in OBJECT_TYPES.values():
        object_type = ""
    object_id = request.args.get("object_id", type=int)
    actor_id = request.args.get("actor", type=int)
    page = paginate(services.entries_query(object_type, object_id, actor_id), request.args.get("page", 1, type=int))
    return render_template(
        "audit/index.html",
        page=page,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        object_types=list(OBJECT_TYPES.values()),
        people=services.actor_choices(),
    )
