"""What each audit action code means, in words for the audit log.

Codes stay stable in the database (`AuditEvent.action`); this is the one place
that names them for people. `tests/test_audit_labels.py` fails when code anywhere
in `lms/` records an action that has no label here.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # sign-in and accounts
    "login.success": _l("Signed in"),
    "login.failure": _l("Sign-in failed"),
    "login.throttled": _l("Sign-in blocked after repeated failures"),
    "logout": _l("Signed out"),
    "logout.others": _l("Signed out on all other devices"),
    "password.changed": _l("Password changed"),
    "password.reset_requested": _l("Password reset link sent"),
    "password.reset_unknown": _l("Password reset asked for an unknown address"),
    "password.reset": _l("Password reset with a link"),
    "invite.sent": _l("Invitation sent"),
    "invite.accepted": _l("Invitation accepted"),
    "member.updated": _l("Member details changed"),
    "roster.imported": _l("Roster imported"),
    "usecases.catalog_imported": _l("Use-case catalog imported from a spreadsheet"),
    "usage.imported": _l("AI usage data imported from a vendor export"),
    "usage.import_deleted": _l("AI usage data import deleted"),
    "usage.mapping_updated": _l("Saved columns for AI usage data changed"),
    "usage.mapping_deleted": _l("Saved columns for AI usage data deleted"),
    "usage.events_posted": _l("AI usage events received through the API"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    # companies and staff
    "org.created": _l("Company added"),
    "org.updated": _l("Company details changed"),
    "org.reminder_settings": _l("Reminder settings changed"),
    "department.created": _l("Department added"),
    "trainer.assigned": _l("Trainer assigned to the company"),
    "trainer.unassigned": _l("Trainer removed from the company"),
    # cohorts, mail and calendar
    "cohort.create": _l("Cohort created"),
    "cohort.add_members": _l("Members added to a cohort"),
    "cohort.open_module": _l("Module opened early"),
    "cohort.nudge": _l("Reminder sent to members behind"),
    "cohort.meeting_url": _l("Meeting URL changed"),
    "cohort.attendance": _l("Session attendance recorded"),
    "mail.unsubscribe": _l("Unsubscribed from a mail"),
    "calendar.new_url": _l("Calendar URL issued"),
    "calendar.revoke": _l("Calendar URL revoked"),
    # content and adoption
    "lesson.browser": _l("Lesson edited in the browser"),
    "lesson.restore": _l("Lesson restored to an earlier revision"),
    "adoption.settings": _l("AI adoption settings changed"),
    "org.llm_settings": _l("AI model settings changed"),
    # prompt practice
    "exercise.review": _l("Practice attempt reviewed"),
    # use cases
    "usecase.share": _l("Use-case prompt sharing changed"),
}


def action_label(code: str) -> str:
    """The label of an action code; an unknown code (say, from a newer version) is shown as it is."""
    label = LABELS.get(code)
    return str(label) if label is not None else code
