"""Room pages (member/facilitator, projector), minutes from the event log and officers' exports.

Views only parse, call a service and render. The live updates come over the WebSocket; the
room's forms also post here, so the room can be used (by reloading) without JavaScript.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import can
from assemblies.models import Session
from audit.context import AuditContext

from . import services
from .models import RoomEvent

# Form fields that carry whole numbers (the WebSocket client sends them as JSON numbers).
INT_FIELDS = {"seconds", "item", "user", "statement", "poll", "size", "table", "message", "draft", "amendment",
              "vote", "threshold_percent"}


def _room_session(request: HttpRequest, session_id: int) -> tuple[Session, str]:
    session = get_object_or_404(Session.objects.select_related("assembly"), pk=session_id)
    role = services.room_role(request.user, session)
    if role is None:
        raise PermissionDenied("Only the assembly's members, facilitators and officers can enter this room.")
    return session, role


@login_required
def room(request: HttpRequest, session_id: int) -> HttpResponse:
    session, role = _room_session(request, session_id)
    context = {
        "session": session,
        "role": role,
        "facilitating": role in services.FACILITATING,
        "taking_part": role in services.TAKING_PART,
        **services.room_snapshot(session, request.user),
    }
    return render(request, "deliberation/room.html", context)


@login_required
def projector(request: HttpRequest, session_id: int) -> HttpResponse:
    session, role = _room_session(request, session_id)
    return render(request, "deliberation/projector.html", {
        "session": session, "role": role, **services.room_snapshot(session, request.user),
    })


def _form_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in request.POST.items():
        if key in ("csrfmiddlewaretoken", "type", "id"):
            continue
        if key in INT_FIELDS:
            try:
                data[key] = int(value)
            except ValueError:
                data[key] = value
        elif key == "options":
            data[key] = [line.strip() for line in value.splitlines() if line.strip()]
        elif key == "answer_order":
            data["answer"] = [int(v) for v in value.split(",") if v.strip().isdigit()]
        elif key == "answer":
            data[key] = int(value) if value.lstrip("-").isdigit() else value
        elif key in ("equal_voice", "present_only"):
            data[key] = value in ("1", "true", "on")
        else:
            data[key] = value
    if data.get("kind") == "scale" and "options" in data:
        try:
            data["options"] = [int(v) for v in data["options"][:2]]
        except ValueError:
            pass
    return data


@login_required
@require_POST
def act(request: HttpRequest, session_id: int) -> HttpResponse:
    """The no-JavaScript path: the same forms the live page sends over the WebSocket."""
    session, _ = _room_session(request, session_id)
    try:
        services.perform(
            request.user, session.pk, request.POST.get("type", ""), _form_data(request),
            client_id=request.POST.get("id", "")[:64], context=AuditContext.from_request(request),
        )
    except services.RoomError as error:
        messages.error(request, str(error))
    return redirect("deliberation:room", session_id=session.pk)


@login_required
def minutes(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's record, built from the event log alone; plain HTML."""
    session, role = _room_session(request, session_id)
    events = RoomEvent.objects.filter(session=session).exclude(type="presence").order_by("seq")
    removed = {
        (e.data.get("message"), e.data.get("statement")): e.data.get("reason")
        for e in events if e.type == "message.remove"
    }
    removed_messages = {k[0]: v for k, v in removed.items() if k[0]}
    removed_statements = {k[1]: v for k, v in removed.items() if k[1]}
    lines = [
        minute_line(e, removed_messages, removed_statements)
        for e in events
        if e.table is None or role in services.FACILITATING
    ]
    return render(request, "deliberation/minutes.html", {
        "session": session, "lines": [line for line in lines if line], "votes": services.vote_results(session),
        "can_export": can(request.user, "assembly.manage"),
    })


def minute_line(event: RoomEvent, removed_messages: dict, removed_statements: dict) -> dict[str, Any] | None:
    """One readable line of the minutes for an event (None for events the minutes leave out)."""
    d, who = event.data, event.actor_name or "The room"
    text: str
    match event.type:
        case "agenda.start":
            text = f"{who} started “{d['item']['title']}”."
        case "agenda.pause":
            text = f"{who} paused “{d['item']['title']}”."
        case "agenda.extend":
            text = f"{who} extended “{d['item']['title']}” (now {(d['item']['planned_seconds'] + d['item']['extended_seconds']) // 60} min)."
        case "agenda.next":
            text = f"{who} moved on" + (f" to “{d['item']['title']}”." if d.get("item") else "; the agenda is finished.")
        case "agenda.add":
            text = f"{who} added “{d['agenda'][-1]['title']}” to the agenda."
        case "hand.raise":
            text = f"{who} raised a hand."
        case "hand.lower":
            text = f"{who} lowered a hand."
        case "speaker.next":
            text = f"{who} called {d['speaker']['name']} to speak." if d.get("speaker") else f"{who} closed the floor."
        case "speaker.mode":
            text = f"{who} turned equal voice {'on' if d['equal_voice'] else 'off'}."
        case "statement.post":
            reason = removed_statements.get(d["id"])
            text = f"{who} posted a statement: " + (f"[removed: {reason}]" if reason else f"“{d['text']}”")
        case "statement.vote":
            return None
        case "poll.open":
            text = f"{who} opened a poll: “{d['question']}” ({', '.join(map(str, d['options']))})."
        case "poll.answer":
            return None
        case "poll.close":
            text = f"{who} closed the poll “{d['question']}”: {poll_summary(d)}."
        case "tables.allocate":
            text = f"{who} allocated {len(d['tables'])} breakout tables of up to {d['size']} (round {d['round']})."
        case "message.post":
            reason = removed_messages.get(d["id"])
            where = f" at table {event.table}" if event.table else ""
            text = f"{who}{where}: " + (f"[removed: {reason}]" if reason else d["text"])
        case "message.remove":
            text = f"{who} removed a {'statement' if d.get('statement') else 'message'}: {d['reason']}."
        case "member.mute" | "member.unmute":
            text = f"{who} {'muted' if event.type == 'member.mute' else 'unmuted'} a member."
        case "draft.amend":
            draft = d["draft"]
            text = {
                "create": f"{who} opened the draft “{draft['title']}”.",
                "propose": f"{who} proposed an amendment to “{draft['title']}”.",
                "accept": f"{who} accepted an amendment; “{draft['title']}” is now at version {draft['version']}.",
                "reject": f"{who} rejected an amendment to “{draft['title']}”.",
            }[d["action"]]
        case "vote.open":
            text = f"{who} opened a vote (threshold {d['threshold_percent']} %)."
        case "vote.cast":
            return None
        case "vote.close":
            text = (
                f"Vote closed: {d['support']} support, {d['oppose']} oppose, {d['abstain']} abstain "
                f"({d['support_percent'] if d['support_percent'] is not None else 0} % support, threshold "
                f"{d['threshold_percent']} %): {'passed' if d['passed'] else 'not passed'}."
            )
        case _:
            text = f"{who}: {event.type}."
    return {"seq": event.seq, "at": event.at, "type": event.type, "text": text}


def poll_summary(poll: dict[str, Any]) -> str:
    results = poll.get("results", {})
    if poll["kind"] == "ranked":
        winner = (results.get("irv") or {}).get("winner")
        return f"{results.get('answers', 0)} answers; instant-runoff winner: {winner or 'none'}"
    if poll["kind"] == "scale":
        return f"{results.get('answers', 0)} answers; mean {results.get('mean')}"
    counts = results.get("counts", [])
    return "; ".join(f"{o}: {c}" for o, c in zip(poll["options"], counts, strict=False))


def _require_officer(request: HttpRequest) -> None:
    if not can(request.user, "assembly.manage"):
        raise PermissionDenied("Only officers can export results.")


@login_required
def results_json(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_officer(request)
    session = get_object_or_404(Session, pk=session_id)
    response = JsonResponse({"session": session.pk, "title": session.title, "votes": services.vote_results(session)},
                            json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-votes.json"'
    return response


@login_required
def results_csv(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_officer(request)
    session = get_object_or_404(Session, pk=session_id)
    rows = services.vote_results(session)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-votes.csv"'
    columns = ["vote", "draft", "draft_version", "amendment", "threshold_percent", "status", "support", "oppose",
               "abstain", "cast", "support_percent", "passed", "opened_at", "closed_at"]
    writer = csv.DictWriter(response, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})
    return response


