"""The privacy registry: every table and column esafety keeps, why, and for how long.

Declared as data, the way Moodle's privacy providers declare theirs; esafety/privacy.py reads it (exports,
erasure) and tests/test_privacy.py fails when a model gains a column this registry does not declare.
"""

from dataclasses import dataclass, field

# Retention periods, as the school's records policy and the privacy notice state them.
WHILE_SCHOOL = "While the school uses esafety."
WHILE_PUPIL = "While the pupil is at the school; deleted when an admin deletes the pupil."
WHILE_ACCOUNT = "While the account is in use; deleted with the account."
WHILE_CLASS = "While the class exists; archived classes stay so past coverage can be reported."
SAFEGUARDING = ("Until the child is 25, following the school's records policy (IRMS toolkit, DfE guidance); "
                "never deleted with the pupil's account.")
AUDIT = ("Kept as the school's security record. Entries about a pupil are deleted with the pupil, except those "
         "about safeguarding records, which are kept as long as the records.")
LEAVERS = ("A leaver's account is closed on the day they leave (the September rollover), and everything about "
           "them is deleted at the end of the autumn term after they leave (31 December) by the daily retention "
           "job (flask retention delete-due), which logs each deletion.")
CONSENT = ("While the pupil is at the school: each answer holds for the school year it was given for, then shows "
           "as renewal due; deleted with the pupil. Every change is also in the audit log.")
SAFEGUARDING_NOTE = "Safeguarding records are kept for the retention period: until the child is 25, per the school's records policy."

# What deleting a pupil does to a table's rows about them.
DELETED = "deleted"
KEPT = "kept for safeguarding (the link to the account is cleared)"
NOT_PUPIL_DATA = "not about a pupil"


@dataclass(frozen=True)
class Column:
    """One column: why it is kept, and for how long when that differs from its table."""

    purpose: str
    retention: str | None = None
    personal: bool = False  # names, contact details, free text or anything else that identifies a person


@dataclass(frozen=True)
class Table:
    """One table: why it exists, how long rows stay, what deleting a pupil does, and every column."""

    purpose: str
    retention: str
    on_pupil_deletion: str
    columns: dict[str, Column] = field(default_factory=dict)


def c(purpose: str, retention: str | None = None, personal: bool = False) -> Column:
    """Shorthand for a column declaration."""
    return Column(purpose, retention, personal)


ID = c("Row identifier.")
CREATED = c("When the row was made (UTC).")

REGISTRY: dict[str, Table] = {
    "trust": Table(
        "A multi-academy trust or local authority that runs several schools on this installation.", WHILE_SCHOOL,
        NOT_PUPIL_DATA, {
            "id": ID,
            "name": c("The trust's or authority's name, shown to its trust admins and on the school chooser."),
            "kind": c("Multi-academy trust or local authority, shown with the name."),
            "created_at": CREATED,
        }),
    "school": Table(
        "The school and what it tells parents on the 'This school' page.", WHILE_SCHOOL, NOT_PUPIL_DATA, {
            "id": ID,
            "name": c("The school's name, shown on pages."),
            "town": c("The school's town or village, shown beside its name so parents can tell schools apart."),
            "trust_id": c("The trust or local authority the school belongs to (empty for a stand-alone school): "
                          "its trust admins see the school's coverage and manage its admins."),
            "dsl_name": c("The designated safeguarding lead's name, shown to parents and pupils.", personal=True),
            "dsl_contact": c("How parents reach the DSL.", personal=True),
            "filtering": c("The school's web filtering, told to parents."),
            "monitoring": c("How the school monitors devices, told to parents."),
            "school_platforms": c("Platforms pupils use for school and who they interact with there."),
            "official_accounts": c("The school's official social media accounts."),
            "complaints": c("How parents raise a concern or complaint."),
            "sign_out_after_tell": c("Whether pupils are signed out once their Tell is sent (shared computers)."),
            "headteacher_name": c("The headteacher, told when a concern waits unacknowledged (not shown to parents).",
                                  personal=True),
            "headteacher_email": c("Where escalations of unacknowledged concerns are emailed (never with a child's "
                                   "details).", personal=True),
            "school_year": c("The school year the school is in; consent given for an earlier year is renewal due."),
            "created_at": CREATED,
        }),
    "school_class": Table(
        "Classes, so pupils sign in with a class code and teachers see their own classes.", WHILE_CLASS,
        NOT_PUPIL_DATA, {
            "id": ID,
            "school_id": c("The school the class belongs to."),
            "name": c("The class name teachers and pupils recognise."),
            "year_group": c("Year 1 to 6: decides the key stage of lessons."),
            "join_code": c("The class code pupils type to sign in."),
            "archived_at": c("When the class was archived (end of year)."),
            "created_at": CREATED,
        }),
    "user": Table(
        "Everyone who signs in: pupils (first name and initial only), parents and staff.",
        "Pupils: " + WHILE_PUPIL + " " + LEAVERS + " Adults: " + WHILE_ACCOUNT, DELETED, {
            "id": ID,
            "school_id": c("The school the person belongs to."),
            "kind": c("Pupil, parent or staff: decides what they may see."),
            "email": c("Adults sign in with it. Pupils never have one (a database rule refuses it).",
                       personal=True),
            "password_hash": c("Checks an adult's password; a one-way hash, never the password."),
            "name": c("Shown on screen. Pupils: first name only.", personal=True),
            "last_initial": c("Pupils: tells apart two children with the same first name.", personal=True),
            "is_teacher": c("Staff role: teaches classes."),
            "is_dsl": c("Staff role: designated safeguarding lead, the only role that reads concerns."),
            "is_deputy_dsl": c("Staff role: a deputy DSL, also told when a concern waits unacknowledged."),
            "is_admin": c("Staff role: school admin."),
            "is_trust_admin": c("Trust staff role: sees the coverage of the trust's schools and manages their "
                                "admins; never pupils, classes or concerns."),
            "trust_id": c("A trust admin's trust (trust admins belong to no school)."),
            "active": c("A disabled account cannot sign in."),
            "session_version": c("Ends every session at once on sign-out, disabling or a password change."),
            "class_id": c("A pupil's class."),
            "passcode": c("A pupil's three picture words, so the teacher can print a login card."),
            "card_token_hash": c("Checks a pupil's printed QR login card; a one-way hash of the card's token."),
            "card_expires_at": c("When the printed login card stops working (about a term after printing)."),
            "totp_secret": c("DSL, admin and trust admin authenticator-app secret (second factor)."),
            "totp_last_step": c("Stops an authenticator code being used twice."),
            "created_at": CREATED,
            "last_sign_in_at": c("Shows staff when an account was last used (joiners and leavers)."),
            "mis_id_hash": c("Finds a pupil again on the next import from the school's MIS: a keyed hash (HMAC) of "
                             "the MIS's own pupil id, never the id itself and never the UPN."),
            "left_at": c("When a pupil left the school (their account was closed then)."),
            "delete_after": c("The day a leaver's data is due for deletion.", LEAVERS),
        }),
    "recovery_code": Table(
        "One-time codes a DSL or admin uses if their authenticator app is lost.", WHILE_ACCOUNT, DELETED, {
            "id": ID,
            "user_id": c("Whose code it is."),
            "code_hash": c("Checks the code; a one-way hash."),
            "used_at": c("When it was used: each works once."),
        }),
    "class_teacher": Table(
        "Which teachers teach which class, so a teacher sees only their own classes.", WHILE_CLASS,
        NOT_PUPIL_DATA, {
            "class_id": c("The class."),
            "user_id": c("The teacher."),
        }),
    "parent_link": Table(
        "A parent or carer linked to their own child, to see what the child has learned.",
        "Until the parent unlinks, or either account is deleted.", DELETED, {
            "id": ID,
            "parent_id": c("The parent or carer."),
            "pupil_id": c("Their child."),
            "created_at": CREATED,
        }),
    "parent_link_code": Table(
        "One-time codes a teacher gives a parent to link their child.",
        "Until used or expired; deleted with the pupil.", DELETED, {
            "id": ID,
            "pupil_id": c("The child the code links to."),
            "code_hash": c("Checks the code; a one-way hash."),
            "created_by_id": c("The teacher who made it (accountability)."),
            "created_at": CREATED,
            "expires_at": c("Codes stop working after a few days."),
            "used_at": c("When it was used: each works once."),
        }),
    "coverage_tally": Table(
        "Curriculum coverage counted per school and statement, so coverage pages read a few hundred rows rather "
        "than every completion. Counts and dates only, no pupil named; deleting a pupil recounts their school.",
        WHILE_SCHOOL, NOT_PUPIL_DATA, {
            "school_id": c("The school counted."),
            "statement_id": c("The curriculum statement (statements live in files)."),
            "covered": c("How many of the school's pupils have covered the statement."),
            "first_at": c("When the first of them became covered."),
            "last_at": c("When the most recent of them became covered."),
        }),
    "coverage_stamp": Table(
        "Which content mapping a school's coverage counts were made under, so a changed mapping is never "
        "reported from old counts, and how many pupils they count.", WHILE_SCHOOL, NOT_PUPIL_DATA, {
            "school_id": c("The school counted."),
            "mapping": c("A fingerprint of the lessons' and quizzes' curriculum mapping at the count."),
            "counted_at": c("When the school was last recounted in full."),
            "pupils": c("How many of the school's pupils its coverage counts (a number, no pupil named)."),
        }),
    "lesson_progress": Table(
        "How far a pupil got in each lesson, to carry on and to report curriculum coverage.", WHILE_PUPIL,
        DELETED, {
            "id": ID,
            "pupil_id": c("Whose progress."),
            "lesson_id": c("Which lesson (content lives in files)."),
            "content_version": c("Which version of the lesson it was made against."),
            "step": c("The step reached, to carry on."),
            "answers": c("Answers to check questions, to show the pupil and their teacher."),
            "started_at": c("When the lesson was started."),
            "updated_at": c("When it last changed."),
            "completed_at": c("When it was finished: drives coverage."),
        }),
    "quiz_attempt": Table(
        "Each go at a quiz or scenario story, to mark it and to report coverage.", WHILE_PUPIL, DELETED, {
            "id": ID,
            "pupil_id": c("Whose attempt."),
            "quiz_id": c("Which quiz (content lives in files)."),
            "number": c("First, second... attempt."),
            "content_version": c("Which version of the quiz it was made against."),
            "state": c("Answers so far, so a reload carries on."),
            "choice_order": c("The order this attempt shows the choices in, so a reload keeps it."),
            "started_at": c("When it was started."),
            "submitted_at": c("When it was handed in."),
            "score": c("The mark."),
            "passed": c("Whether it was passed."),
        }),
    "quiz_response": Table(
        "Each answer in a submitted attempt, so teachers see what the class finds hard.", WHILE_PUPIL,
        DELETED, {
            "id": ID,
            "attempt_id": c("The attempt it belongs to."),
            "position": c("Question order."),
            "question_id": c("Which question."),
            "answer": c("The answer chosen."),
            "correct": c("Whether it was right."),
            "understanding": c("Secure, developing or a misconception, for the teacher."),
        }),
    "assignment": Table(
        "Lessons and quizzes a teacher set for a class.", WHILE_CLASS, NOT_PUPIL_DATA, {
            "id": ID,
            "class_id": c("The class."),
            "activity_kind": c("Lesson or quiz."),
            "activity_id": c("Which one."),
            "due_on": c("Optional due date."),
            "set_by_id": c("The teacher who set it."),
            "created_at": CREATED,
        }),
    "rollover": Table(
        "Each move into a new school year, so it runs once a year and can be undone until a pupil signs in.",
        WHILE_SCHOOL, NOT_PUPIL_DATA, {
            "id": ID,
            "school_id": c("The school."),
            "school_year": c("The school year moved into."),
            "run_at": c("When it ran (UTC)."),
            "run_by_id": c("The admin who ran it."),
            "before": c("Each class's year group, name and teachers before, and each leaver's account id and class "
                        "(ids only, no names), to undo it."),
        }),
    "media_consent": Table(
        "The photo and video consent register: a parent's yes or no for each use of photos and video of their "
        "child, so staff know who must not be photographed or named.", CONSENT, DELETED, {
            "id": ID,
            "pupil_id": c("The child."),
            "purpose": c("In school, the school website, the school's social media, or the press."),
            "given": c("Yes or no."),
            "school_year": c("The school year it was given for; an earlier year is renewal due (not given)."),
            "source": c("Given by the parent online, or recorded by the office from a paper form."),
            "recorded_by_id": c("Who recorded it (accountability)."),
            "recorded_by_name": c("Who recorded it, kept if their account is deleted.", personal=True),
            "recorded_at": c("When it was recorded (UTC)."),
        }),
    "scheme_placement": Table(
        "A school's own order of the scheme of work for a year group.", WHILE_SCHOOL, NOT_PUPIL_DATA, {
            "id": ID,
            "school_id": c("The school."),
            "year_group": c("Year 1 to Year 6."),
            "activity_id": c("The lesson or quiz placed."),
            "half_term": c("The half term it is taught in, 1 (Autumn 1) to 6 (Summer 2)."),
            "position": c("Its order within the half term."),
            "updated_at": c("When it was last reordered (who did it is in the audit log)."),
        }),
    "check_round": Table(
        "When a teacher opened a What do I know? check to a class, as a baseline or a later check.", WHILE_CLASS,
        NOT_PUPIL_DATA, {
            "id": ID,
            "class_id": c("The class."),
            "quiz_id": c("Which check."),
            "stage": c("Baseline or a later check."),
            "opened_at": c("When it was opened: answers after it count for it."),
            "opened_by_id": c("The teacher who opened it."),
        }),
    "audit_log": Table(
        "Who did what and when (UTC): sign-ins, refusals, every view and change of a concern, exports and "
        "deletions. Never passwords, passcodes or what a child wrote.", AUDIT, DELETED, {
            "id": ID,
            "at": c("When (UTC)."),
            "school_id": c("The school."),
            "actor_id": c("Who did it."),
            "action": c("What they did."),
            "target": c("What it was done to, by id (for example pupil:12 or concern:3)."),
            "detail": c("A short, non-sensitive detail (for example which export format)."),
        }),
    "concern": Table(
        "A worry a pupil told with Tell, or a concern staff logged: the school's child protection record. "
        "Append-only (database triggers refuse changes).", SAFEGUARDING, KEPT, {
            "id": ID,
            "school_id": c("The school."),
            "pupil_id": c("The pupil's account, cleared if the account is deleted."),
            "pupil_name": c("The child's name, kept with the record after the account is deleted.",
                            personal=True),
            "class_name": c("The child's class when it was reported."),
            "source": c("Pupil (Tell) or staff."),
            "reporter_id": c("The member of staff who logged it (empty when the pupil told)."),
            "reporter_name": c("Who reported it, kept with the record.", personal=True),
            "category": c("What kind of worry."),
            "wants_to_talk": c("Whether the child asked to talk to their teacher."),
            "submission_key": c("Makes a resubmitted form record the report once."),
            "created_at": c("When it was reported (UTC)."),
        }),
    "concern_entry": Table(
        "Everything recorded on a concern, in order: the child's own words, notes, actions with reasons, "
        "decisions and the outcome. Append-only: corrections are new entries.", SAFEGUARDING, KEPT, {
            "id": ID,
            "concern_id": c("The concern."),
            "at": c("When (UTC)."),
            "author_id": c("The member of staff who wrote it (empty for the child's own words)."),
            "author_name": c("Who wrote it, kept with the record.", personal=True),
            "kind": c("Words, note, action, status or correction."),
            "status": c("New, acknowledged or closed."),
            "urgency": c("The DSL's triage: immediate, high, medium or low."),
            "action": c("The action taken."),
            "text": c("The child's words, or the note.", personal=True),
            "reason": c("Why: the decision, the action's reason, or the outcome.", personal=True),
            "corrects_id": c("The entry a correction corrects."),
        }),
    "alert_outbox": Table(
        "Email alerts to the DSLs that a concern is waiting (and escalations when none acknowledges it), queued "
        "with the concern so none is lost. The email never names the child or says what was reported.",
        SAFEGUARDING, NOT_PUPIL_DATA, {
            "id": ID,
            "school_id": c("The school."),
            "concern_id": c("The concern the alert is about."),
            "kind": c("A new concern, or an escalation of one left unacknowledged."),
            "created_at": CREATED,
            "due_at": c("When the next try is due (retries wait longer each time)."),
            "attempts": c("How many tries so far."),
            "claimed_by": c("Which alert worker is sending it, so two never send the same alert."),
            "claimed_until": c("When that worker's claim runs out (a stopped worker's alerts are sent by another)."),
            "delivered_to": c("The staff addresses already emailed, so a retry never emails anyone twice.",
                              personal=True),
            "sent_at": c("When every recipient had been emailed."),
            "last_error": c("Why the last try failed (the mail server's answer)."),
        }),
}
