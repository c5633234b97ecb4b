"""The lead's review queue (/reviews): every item waiting for review in the
groups they lead, oldest first, with the diff since the last review, the
checklist and the decision buttons. Forms work without JavaScript;
static/js/reviews.js makes them live (queue updated by Socket.IO events)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from ..domain import reviews as rv
from ..domain.events import QUEUE_EVENT_TYPES
from ..domain.errors import DomainError
from ..i18n import translate_error, translate_text
from ..markdown import render as render_markdown
from ..services import workflow as workflow_service
from ..services import reviews as review_service
from ..services.notifications import mention_directory
from .blueprint import bp
from .board import TYPE_LABELS, local_date, script_names

DECISION_DONE = {"approve": _l("Proposal approved."), "request_changes": _l("Changes requested."),
                 "reject": _l("Proposal rejected.")}


def last_decision(review, when):
    """The previous round's decision as one sentence: « Chloe a demandé des modifications le … »."""
    name = review.reviewer.display_name
    if review.decision == "approve":
        return _("%(name)s approved it on %(when)s.", name=name, when=when)
    if review.decision == "reject":
        return _("%(name)s rejected it on %(when)s.", name=name, when=when)
    return _("%(name)s requested changes on %(when)s.", name=name, when=when)


def explain(exc):
    """The refusals a lead meets most, in the reader's language; others as the service words them."""
    if exc.extra.get("missing"):
        return _("First tick each point of the checklist: %(points)s.", points=" ; ".join(exc.extra["missing"]))
    if "comment" in (getattr(exc, "errors", None) or {}):
        return _("Write a comment: it is required to request changes or reject.")
    return translate_error(exc)


def queue_mentions(entries):
    """``{group id: mention directory}`` of the people named by an @mention in the entries'
    descriptions and last comments, so that they link to the person as in the panel (one
    query per group whose entries name someone, none otherwise)."""
    texts = {}
    for e in entries:
        item, last = e["item"], e.get("last_review")
        texts.setdefault(item.group_id, []).extend([item.body, last.comment if last else None])
    return {group_id: mention_directory(group_id, group_texts) for group_id, group_texts in texts.items()}


def _render(error=None, error_item=None, draft=None, status=200):
    user = current_user._get_current_object()
    entries = review_service.review_queue(user)
    led = review_service.led_group_ids(user)
    from ..services.queries import groups_for

    led_groups = [g for g in groups_for(user) if g.id in led]
    return render_template(
        "reviews/queue.html", entries=entries, is_lead=bool(led), led_group_ids=led, led_groups=led_groups,
        mentions=queue_mentions(entries),
        type_labels=TYPE_LABELS, local_date=local_date, render_markdown=render_markdown,
        last_decision=last_decision, error=error, error_item=error_item, draft=draft or {},
        partial=request.args.get("partial") == "1",
        page={"event_types": list(QUEUE_EVENT_TYPES), **script_names()}), status


@bp.get("/reviews")
@login_required
def review_queue():
    if request.args.get("partial") == "1":
        user = current_user._get_current_object()
        entries = review_service.review_queue(user)
        return render_template("reviews/_list.html", entries=entries, mentions=queue_mentions(entries),
                               type_labels=TYPE_LABELS, local_date=local_date, render_markdown=render_markdown,
                               last_decision=last_decision, error=None, error_item=None, draft={})
    return _render()


@bp.post("/reviews/<int:item_id>/decide")
@login_required
def decide(item_id):
    user = current_user._get_current_object()
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "")[:10000]
    checklist = request.form.getlist("checklist")
    version = request.form.get("version", type=int)
    if decision not in rv.DECISIONS:
        return _render(_("Choose approve, request changes or reject."), item_id,
                       {"comment": comment}, 422)
    try:
        review = workflow_service.review_item(user, item_id, decision, comment, expected_version=version,
                                              checklist=checklist)
    except DomainError as exc:
        # Re-show the queue with the comment as typed: nothing is lost.
        return _render(explain(exc), item_id, {"comment": comment, "checklist": checklist}, exc.status)
    flash(str(DECISION_DONE[decision]))
    if review.held_slot:
        flash(translate_text(review.held_slot["message"].msgid, review.held_slot["message"].params))
    return redirect(url_for("web.review_queue"))


@bp.post("/reviews/<int:item_id>/claim")
@login_required
def claim(item_id):
    user = current_user._get_current_object()
    try:
        if request.form.get("release") == "1":
            workflow_service.release_claim(user, item_id)
            flash(_("Review handed back to the queue."))
        else:
            workflow_service.claim_item(user, item_id)
            flash(_("You are reviewing this proposal."))
    except DomainError as exc:
        return _render(translate_error(exc), item_id, None, exc.status)
    return redirect(url_for("web.review_queue"))


@bp.get("/groups/<int:group_id>/checklists")
@login_required
def checklists_page(group_id):
    from ..services.queries import get_group

    user = current_user._get_current_object()
    group, actor = get_group(user, group_id)
    return render_template("reviews/checklists.html", group=group, lists=review_service.checklists(user, group_id),
                           suggested=rv.SUGGESTED_CHECKLISTS, type_labels=TYPE_LABELS,
                           can_edit=review_service.may_edit_checklists(actor))


@bp.post("/groups/<int:group_id>/checklists")
@login_required
def checklists_save(group_id):
    user = current_user._get_current_object()
    resource_type = request.form.get("resource_type", "")
    labels = request.form.get("labels", "")[:8000].splitlines()
    try:
        review_service.set_checklist(user, group_id, resource_type, labels[:30])
    except DomainError as exc:
        flash(translate_error(exc))
        return redirect(url_for("web.checklists_page", group_id=group_id)), 303
    flash(_("List “%(type)s” saved.", type=TYPE_LABELS.get(resource_type, resource_type)))
    return redirect(url_for("web.checklists_page", group_id=group_id) + f"#type-{resource_type}")
