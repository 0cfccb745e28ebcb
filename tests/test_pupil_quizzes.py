"""The quiz player: one open attempt at a time, every question type through the form, feedback after each
answer, marking on the server, retries with best and latest, reloads, double submits, branching scenarios,
tampered forms, and an answer key that never reaches the page before the pupil answers."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from esafety import learning
from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import QuizAttempt, QuizResponse

AGE_KS2 = "age-ks2"
STORY = "ks2-scenario-game-friend-request"
VERDICTS = {"secure": "A safe choice!", "developing": "there is a safer choice", "misconception": "Not a safe choice."}


def shown(text: str) -> str:
    """Text as it appears in the HTML of a page."""
    return str(escape(text))


def quiz(quiz_id):
    """A quiz from the real catalogue."""
    return catalogue().quizzes[quiz_id]


def start(client, quiz_id) -> str:
    """Press Start (or Carry on) and return the attempt's address."""
    response = client.post(f"/pupil/quizzes/{quiz_id}/start")
    assert response.status_code == 302
    return response.headers["Location"]


def form_for(question, right=True) -> dict:
    """The form a pupil sends to answer a question, rightly or wrongly."""
    data = {"question": question.id}
    if question.type == "sort":
        groups = [g.id for g in question.groups]
        for item in question.items:
            data[f"item-{item.id}"] = item.group if right else next(g for g in groups if g != item.group)
    elif question.type == "multiple":
        data["choice"] = [c.id for c in question.choices if c.correct == right]
    else:
        data["choice"] = next(c.id for c in question.choices if c.correct == right)
    return data


def answer_all(client, url, quiz_id, right=True):
    """Answer every question of a question quiz."""
    for question in quiz(quiz_id).questions:
        assert client.post(url, data=form_for(question, right)).status_code == 302


def secure_path(story) -> list[int]:
    """The choice numbers that make a secure decision at every point of a scenario."""
    path, node = [], story.nodes[story.start]
    while not node.end:
        index = next(i for i, c in enumerate(node.choices) if c.understanding == "secure")
        path.append(index)
        node = story.nodes[node.choices[index].next]
    return path


def attempts(pupil, quiz_id):
    """The pupil's attempts at a quiz, fresh from the database."""
    db.session.expire_all()
    return db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.pupil_id == pupil.id,
                                                           QuizAttempt.quiz_id == quiz_id)
                              .order_by(QuizAttempt.number)).all()


@pytest.fixture
def pupil(client, school, sign_in):
    """A signed-in KS2 pupil."""
    sign_in(client, school.pupil)
    return school.pupil


def test_start_twice_carries_on_the_one_open_attempt(client, pupil):
    """Start pressed twice gives the same attempt, and the quiz page then offers Carry on."""
    assert "Start</button>" in client.get(f"/pupil/quizzes/{AGE_KS2}").get_data(as_text=True)
    first, second = start(client, AGE_KS2), start(client, AGE_KS2)
    assert first == second and len(attempts(pupil, AGE_KS2)) == 1
    assert "Carry on</button>" in client.get(f"/pupil/quizzes/{AGE_KS2}").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["single", "truefalse", "multiple", "sort"])
@pytest.mark.parametrize("right", [True, False])
def test_each_question_type_is_answered_through_the_form_with_feedback(client, pupil, kind, right):
    """Answering a question of each type shows, on the next page, whether it was right and that answer's feedback."""
    url = start(client, AGE_KS2)
    questions = quiz(AGE_KS2).questions
    target = next(q for q in questions if q.type == kind)
    for question in questions[:questions.index(target)]:
        client.post(url, data=form_for(question))
    assert shown(target.prompt) in client.get(url).get_data(as_text=True)
    response = client.post(url, data=form_for(target, right))
    assert response.headers["Location"] == url + "#feedback"
    page = client.get(url).get_data(as_text=True)
    assert ("Right!" in page) == right and ("Good try." in page) == (not right)
    if kind == "sort":
        first = target.items[0]
        assert (shown(first.feedback) in page) == right
        assert (shown(f"{first.text} goes in") in page) == (not right)
    else:
        chosen = [c for c in target.choices if c.correct == right]
        assert all(shown(c.feedback) in page for c in chosen)
    if kind == "multiple" and not right:
        assert "You ticked:" in page and "These are right too:" in page
    assert f"Question {questions.index(target) + 2} of {len(questions)}" in page


def test_finishing_marks_on_the_server_and_stores_each_response_with_its_understanding(client, pupil):
    """"See how I did" marks the answers on the server and stores one response per question with its tag."""
    url = start(client, AGE_KS2)
    questions = quiz(AGE_KS2).questions
    for i, question in enumerate(questions):
        client.post(url, data=form_for(question, right=i % 2 == 0))
    assert "You answered every question" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"finish": "1"})
    assert response.headers["Location"] == url + "/result"
    (attempt,) = attempts(pupil, AGE_KS2)
    right = sum(1 for i in range(len(questions)) if i % 2 == 0)
    assert attempt.submitted_at is not None and attempt.score == round(100 * right / len(questions) + 0.001)
    assert attempt.passed is (attempt.score >= quiz(AGE_KS2).pass_mark)
    responses = db.session.scalars(sa.select(QuizResponse).where(QuizResponse.attempt_id == attempt.id)
                                   .order_by(QuizResponse.position)).all()
    assert [r.question_id for r in responses] == [q.id for q in questions]
    assert [r.correct for r in responses] == [i % 2 == 0 for i in range(len(questions))]
    assert {r.understanding for r in responses if r.correct} == {"secure"}
    assert "misconception" in {r.understanding for r in responses if not r.correct}
    page = client.get(url + "/result").get_data(as_text=True)
    assert f"You got {right} out of {len(questions)} right. That is {attempt.score}%." in page
    assert "You chose:" in page


def _writes_then_reads(statements: list[str]) -> list[str]:
    """The SELECTs that come after a request's first write."""
    verbs = [s.lstrip().split(None, 1)[0].upper() for s in statements]
    first_write = next(i for i, verb in enumerate(verbs) if verb in ("UPDATE", "INSERT", "WITH"))
    return [s for s, verb in zip(statements[first_write:], verbs[first_write:], strict=True) if verb == "SELECT"]


def test_answering_and_finishing_read_nothing_back_after_writing(app, client, pupil, queries):
    """An answer is the user with the attempt (one statement: signed_in.PageRead) and one UPDATE; Finish is the
    user with the attempt, the UPDATE that closes it, one INSERT of every response and one upsert of the school's
    coverage tallies (on PostgreSQL the close and the INSERT are one statement, which takes the lock on the
    pupil's row first). Neither reads anything after writing (on SQLite each read-back began a new write-locked
    transaction while the class was saving)."""
    with app.app_context():
        server = db.engine.dialect.name != "sqlite"
    url = start(client, AGE_KS2)
    questions = quiz(AGE_KS2).questions
    with queries() as answering:
        assert client.post(url, data=form_for(questions[0])).status_code == 302
    for question in questions[1:]:
        client.post(url, data=form_for(question))
    with queries() as finishing:
        assert client.post(url, data={"finish": "1"}).headers["Location"] == url + "/result"
    assert _writes_then_reads(answering) == [] and _writes_then_reads(finishing) == []
    assert (len(answering), len(finishing)) == (2, 3 if server else 4), (answering, finishing)
    assert all("quiz_attempt" in reads[0] for reads in (answering, finishing))
    assert "coverage_tally" in finishing[-1]
    (attempt,) = attempts(pupil, AGE_KS2)
    assert attempt.submitted_at is not None and len(attempt.responses) == len(questions)
    # Each question's response in its place, as the teacher's misconception view reads them.
    written = sorted((r.position, r.question_id, r.answer, r.correct, r.understanding) for r in attempt.responses)
    verdict = learning.quiz_kind(quiz(AGE_KS2)).mark(quiz(AGE_KS2), attempt.state)
    assert written == [(i, r.question_id, r.answer, r.correct, r.understanding)
                       for i, r in enumerate(verdict.results)]
    assert [position for position, *_ in written] == list(range(len(questions)))


def test_an_answer_on_a_server_commits_itself_and_a_finish_is_one_transaction(app, client, pupil):
    """On PostgreSQL an answer, one UPDATE, runs without BEGIN and COMMIT (two of its five round trips); a Finish
    keeps its transaction, so the result, the responses and the school's coverage are saved together or not at
    all. On SQLite both take the write lock in a transaction, so a class's writes queue rather than fail."""
    with app.app_context():
        engine = db.engine  # the requests' own engine
    server = engine.dialect.name != "sqlite"
    writes: list[tuple[str, bool]] = []

    def note(conn, _cursor, statement, *_args):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("UPDATE", "INSERT", "WITH"):  # WITH: PostgreSQL's close of the attempt, locking first
            dbapi = conn.connection.dbapi_connection
            writes.append((verb, not dbapi.autocommit if server else dbapi.in_transaction))

    url = start(client, AGE_KS2)
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for question in quiz(AGE_KS2).questions:
            assert client.post(url, data=form_for(question)).status_code == 302
        answers, writes[:] = list(writes), []
        assert client.post(url, data={"finish": "1"}).headers["Location"] == url + "/result"
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert answers == [("UPDATE", not server)] * len(quiz(AGE_KS2).questions)
    assert [verb for verb, _ in writes] == (["WITH", "INSERT"] if server else ["UPDATE", "INSERT", "INSERT"])
    assert all(held for _, held in writes)
    (attempt,) = attempts(pupil, AGE_KS2)
    assert attempt.submitted_at is not None and len(attempt.state["answers"]) == len(quiz(AGE_KS2).questions)


def test_finishing_before_every_question_is_answered_is_refused_kindly(client, pupil):
    """"finish" sent early is a 400 on the quiz page saying how many are left, and nothing is marked."""
    url = start(client, AGE_KS2)
    client.post(url, data=form_for(quiz(AGE_KS2).questions[0]))
    response = client.post(url, data={"finish": "1"})
    assert response.status_code == 400
    assert f"There are {len(quiz(AGE_KS2).questions) - 1} left." in response.get_data(as_text=True)
    assert attempts(pupil, AGE_KS2)[0].submitted_at is None


def test_retry_makes_attempt_two_and_best_and_latest_are_shown(client, pupil):
    """Try again starts attempt 2; the quiz and result pages show the best and the latest score."""
    url = start(client, AGE_KS2)
    answer_all(client, url, AGE_KS2, right=True)
    client.post(url, data={"finish": "1"})
    retry = start(client, AGE_KS2)
    assert retry != url
    answer_all(client, retry, AGE_KS2, right=False)
    client.post(retry, data={"finish": "1"})
    first, second = attempts(pupil, AGE_KS2)
    assert (first.number, first.score, second.number, second.score) == (1, 100, 2, 0)
    front = client.get(f"/pupil/quizzes/{AGE_KS2}").get_data(as_text=True)
    assert "You have done this 2 times. Your best: 100%. Last time: 0%." in front and "Try again</button>" in front
    result = client.get(retry + "/result").get_data(as_text=True)
    assert "You got 0 out of" in result and "That is 0%" in result and "Good try!" in result
    assert "Your best: 100%. Last time: 0%." in result
    home = client.get("/pupil/").get_data(as_text=True)
    assert "Done" in home and not re.search(r"best \d+%|\d+%", home)  # cards show a state, never a score


def test_a_reload_mid_quiz_keeps_the_answers(app, client, school, pupil, sign_in):
    """Reloading, or signing in again elsewhere and pressing Carry on, continues at the next question."""
    url = start(client, AGE_KS2)
    for question in quiz(AGE_KS2).questions[:3]:
        client.post(url, data=form_for(question))
    total = len(quiz(AGE_KS2).questions)
    assert f"Question 4 of {total}" in client.get(url).get_data(as_text=True)
    assert f"Question 4 of {total}" in client.get(url).get_data(as_text=True)
    other = app.test_client()
    sign_in(other, school.pupil)
    assert start(other, AGE_KS2) == url
    assert f"Question 4 of {total}" in other.get(url).get_data(as_text=True)


def test_an_answer_sent_twice_keeps_the_first(client, pupil):
    """A second answer to the same question (a double click) is ignored; the first one stays."""
    url = start(client, AGE_KS2)
    question = quiz(AGE_KS2).questions[0]
    client.post(url, data=form_for(question, right=True))
    assert client.post(url, data=form_for(question, right=False)).status_code == 302
    assert attempts(pupil, AGE_KS2)[0].state["answers"] == {
        question.id: next(c.id for c in question.choices if c.correct)}


def test_finish_sent_twice_records_one_attempt_and_one_set_of_responses(client, pupil):
    """A double click on "See how I did" submits once: one attempt, one response per question."""
    url = start(client, AGE_KS2)
    answer_all(client, url, AGE_KS2)
    first = client.post(url, data={"finish": "1"})
    second = client.post(url, data={"finish": "1"})
    assert first.headers["Location"] == second.headers["Location"] == url + "/result"
    (attempt,) = attempts(pupil, AGE_KS2)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(QuizResponse)
                              .where(QuizResponse.attempt_id == attempt.id))
    assert attempt.submitted_at is not None and count == len(quiz(AGE_KS2).questions)


@pytest.mark.parametrize("data, message", [
    ({"question": "no-such-question", "choice": "a"}, "That question is not in this quiz."),
    ({"question": "pegi-meaning", "choice": "zzz"}, "Choose one of the answers."),
    ({"question": "pegi-meaning"}, "Choose one of the answers."),
    ({"question": "pegi-sort", "item-minecraft": "pegi-12"}, "Choose a group for every one"),
    ({"question": "why-age-rules"}, "Choose at least one answer"),
    ({}, "That question is not in this quiz."),
])
def test_an_answer_that_does_not_fit_the_question_is_a_400_with_a_message(client, pupil, data, message):
    """Missing or tampered answers get a 400 on the quiz page with words a pupil can act on, and save nothing."""
    url = start(client, AGE_KS2)
    response = client.post(url, data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert attempts(pupil, AGE_KS2)[0].state == {}


def test_the_answer_key_never_reaches_the_page_before_answering(client, pupil):
    """Before each question is answered its page holds no feedback, misconception, or correct/secure marker."""
    for quiz_id in (AGE_KS2,):
        url = start(client, quiz_id)
        for question in quiz(quiz_id).questions:
            html = client.get(url).get_data(as_text=True)
            question_html = html[html.index('class="question-form"'):]
            assert "correct" not in html.lower() and "secure" not in html.lower()
            assert "misconception" not in html.lower()
            secrets = ([c.feedback for c in question.choices] + [c.misconception or "" for c in question.choices]
                       + [i.feedback for i in question.items] + [i.misconception or "" for i in question.items])
            for secret in filter(None, secrets):
                assert shown(secret) not in question_html, (question.id, secret)
            client.post(url, data=form_for(question))


def test_the_ks1_answer_key_never_reaches_the_page_before_answering(client, school, sign_in):
    """The KS1 age quiz, sort question included, shows no feedback or tags before each answer."""
    sign_in(client, school.ks1_pupil)
    url = start(client, "age-ks1")
    for question in quiz("age-ks1").questions:
        html = client.get(url).get_data(as_text=True)
        question_html = html[html.index('class="question-form"'):]
        assert not re.search(r"correct|secure|misconception", html, re.IGNORECASE)
        for secret in [c.feedback for c in question.choices] + [i.feedback for i in question.items]:
            assert shown(secret) not in question_html, (question.id, secret)
        client.post(url, data=form_for(question))


def test_scenario_choices_follow_the_branches_with_feedback(client, pupil):
    """Each choice shows its feedback and leads to the node it names; finishing stores one response per decision."""
    story = quiz(STORY)
    url = start(client, STORY)
    page = client.get(url).get_data(as_text=True)
    assert shown(story.nodes["start"].text) in page and 'name="position" value="0"' in page
    first = story.nodes["start"].choices[0]
    assert client.post(url, data={"position": 0, "choice": 0}).headers["Location"] == url + "#feedback"
    page = client.get(url).get_data(as_text=True)
    assert shown(f"You chose: {first.text}") in page and shown(first.feedback) in page
    assert VERDICTS[first.understanding] in page  # in words, not only colour
    assert shown(story.nodes[first.next].text) in page and 'name="position" value="1"' in page
    client.post(url, data={"position": 1, "choice": 1})
    second = story.nodes[first.next].choices[1]
    page = client.get(url).get_data(as_text=True)
    assert story.nodes[second.next].end and "The end." in page and "See how I did" in page
    assert shown(f"You chose: {second.text}") in page and VERDICTS[second.understanding] in page
    client.post(url, data={"finish": "1"})
    (attempt,) = attempts(pupil, STORY)
    responses = sorted(attempt.responses, key=lambda r: r.position)
    assert [(r.question_id, r.answer) for r in responses] == [("start", "0"), (first.next, "1")]
    assert [r.understanding for r in responses] == [first.understanding, second.understanding]
    assert attempt.score == 100 * sum(c.understanding == "secure" for c in (first, second)) // 2
    result = client.get(url + "/result").get_data(as_text=True)
    assert "Your choices" in result and shown(first.text) in result


def test_a_secure_path_through_a_scenario_passes(client, pupil):
    """Making the safe choice every time scores 100% and passes."""
    url = start(client, STORY)
    for position, index in enumerate(secure_path(quiz(STORY))):
        client.post(url, data={"position": position, "choice": index})
    client.post(url, data={"finish": "1"})
    (attempt,) = attempts(pupil, STORY)
    assert (attempt.score, attempt.passed) == (100, True)
    assert "Great thinking!" in client.get(url + "/result").get_data(as_text=True)


def test_a_repeated_click_at_the_same_point_in_a_story_is_ignored(client, pupil):
    """A second click on the same decision page, even on another button, changes nothing."""
    url = start(client, STORY)
    client.post(url, data={"position": 0, "choice": 3})
    response = client.post(url, data={"position": 0, "choice": 0})
    assert response.status_code == 302
    assert attempts(pupil, STORY)[0].state["path"] == [3]


@pytest.mark.parametrize("data", [{"position": 5, "choice": 0}, {"position": -1, "choice": 0},
                                  {"position": "abc", "choice": 0}, {"choice": 0},
                                  {"position": 1, "choice": 9}, {"position": 1, "choice": "abc"},
                                  {"position": 1, "choice": -1}, {"position": 1}])
def test_a_tampered_story_choice_is_a_400_with_a_clear_message(client, pupil, data):
    """A position or choice that was never on the page is refused with a 400 message, and the story is unchanged."""
    url = start(client, STORY)
    client.post(url, data={"position": 0, "choice": 0})
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "That choice is not on this page. Choose one of the buttons." in response.get_data(as_text=True)
    assert attempts(pupil, STORY)[0].state["path"] == [0]


def test_finishing_a_story_before_the_end_is_refused(client, pupil):
    """"finish" sent in the middle of a story is a 400 asking to finish it first."""
    url = start(client, STORY)
    response = client.post(url, data={"finish": "1"})
    assert response.status_code == 400 and "Finish the story first." in response.get_data(as_text=True)


def test_the_story_never_shows_where_choices_lead_before_choosing(client, pupil):
    """At every decision on the way, the page holds no feedback, tag or misconception for the choices on it."""
    story = quiz(STORY)
    url = start(client, STORY)
    node = story.nodes[story.start]
    for position, index in enumerate(secure_path(story)):
        html = client.get(url).get_data(as_text=True)
        story_html = html[html.index('id="story-text"'):]
        assert not re.search(r"correct|secure|misconception", html, re.IGNORECASE)
        for option in node.choices:
            assert shown(option.feedback) not in story_html
            assert not option.misconception or shown(option.misconception) not in html
        client.post(url, data={"position": position, "choice": index})
        node = story.nodes[node.choices[index].next]


def test_another_pupils_attempt_is_not_found(app, client, school, pupil, sign_in):
    """A pupil cannot open, answer or see the result of a classmate's attempt: 404 each time."""
    url = start(client, AGE_KS2)
    classmate = app.test_client()
    sign_in(classmate, school.ks2_pupils[1])
    assert classmate.get(url).status_code == 404
    assert classmate.post(url, data=form_for(quiz(AGE_KS2).questions[0])).status_code == 404
    assert classmate.get(url + "/result").status_code == 404
    assert attempts(pupil, AGE_KS2)[0].state == {}


def test_an_attempt_under_another_quiz_or_key_stage_is_not_found(client, school, pupil):
    """An attempt id with the wrong quiz in the address, a KS1 quiz, or an unknown attempt all give 404."""
    attempt_id = start(client, AGE_KS2).rsplit("/", 1)[1]
    assert client.get(f"/pupil/quizzes/{STORY}/attempts/{attempt_id}").status_code == 404
    assert client.get("/pupil/quizzes/age-ks1").status_code == 404
    assert client.post("/pupil/quizzes/age-ks1/start").status_code == 404
    assert client.get(f"/pupil/quizzes/{AGE_KS2}/attempts/99999").status_code == 404


def test_the_result_of_an_unfinished_attempt_goes_back_to_the_quiz(client, pupil):
    """Opening the result page of an attempt not yet finished goes back to the quiz."""
    url = start(client, AGE_KS2)
    assert client.get(url + "/result").headers["Location"] == url


def test_an_unfinished_attempt_from_an_older_version_of_the_quiz_starts_afresh(client, pupil):
    """An open attempt made against an older version goes back to the quiz page, and Carry on restarts it; no crash."""
    db.session.add(QuizAttempt(pupil_id=pupil.id, quiz_id=STORY, number=1, content_version=0,
                               state={"path": [9, 9]}))
    db.session.commit()
    (old,) = attempts(pupil, STORY)
    assert client.get(f"/pupil/quizzes/{STORY}/attempts/{old.id}").headers["Location"] == f"/pupil/quizzes/{STORY}"
    url = start(client, STORY)
    page = client.get(url)
    assert page.status_code == 200 and shown(quiz(STORY).nodes["start"].text) in page.get_data(as_text=True)
    (attempt,) = attempts(pupil, STORY)
    assert attempt.state == {} and attempt.content_version == quiz(STORY).version


def test_a_finished_attempt_from_an_older_version_still_shows_its_score(client, pupil):
    """The result of an attempt made against an older version shows its score, without a review that may not fit."""
    db.session.add(QuizAttempt(pupil_id=pupil.id, quiz_id=AGE_KS2, number=1, content_version=0,
                               state={"answers": {"gone": "x"}}, submitted_at=db.func.now(), score=40, passed=False))
    db.session.commit()
    (attempt,) = attempts(pupil, AGE_KS2)
    page = client.get(f"/pupil/quizzes/{AGE_KS2}/attempts/{attempt.id}/result")
    assert page.status_code == 200 and "You got 40%" in page.get_data(as_text=True)
    assert "This quiz has changed since you did it" in page.get_data(as_text=True)


def _button_order(html: str) -> list[str]:
    """The choice ids of the answer buttons or boxes on a question page, in the order shown."""
    form = html[html.index('class="question-form"'):]
    return re.findall(r'name="choice" value="([^"]+)"', form) or re.findall(r'<legend>([^<]+)</legend>', form)


def _story_order(html: str) -> list[str]:
    """The choice numbers of a story page's buttons, in the order shown."""
    return re.findall(r'name="choice" value="(\d+)"', html)


def test_choices_are_shuffled_per_attempt_and_stable_across_reloads(app, client, school, pupil, sign_in):
    """A second attempt shows the choices in a different order; a reload, or another device, keeps the order;
    answers are stored by choice id, so the teacher's misconception page still names the answers given."""
    questions = quiz(AGE_KS2).questions
    first_url = start(client, AGE_KS2)
    first_page = client.get(first_url).get_data(as_text=True)
    other_device = app.test_client()
    sign_in(other_device, pupil)
    assert _button_order(other_device.get(first_url).get_data(as_text=True)) == _button_order(first_page)
    seen_first = []
    for question in questions:
        page = client.get(first_url).get_data(as_text=True)
        seen_first.append(_button_order(page))
        client.post(first_url, data=form_for(question, right=False))
    client.post(first_url, data={"finish": "1"})
    second_url = start(client, AGE_KS2)
    seen_second = []
    for question in questions:
        seen_second.append(_button_order(client.get(second_url).get_data(as_text=True)))
        client.post(second_url, data=form_for(question, right=False))
    client.post(second_url, data={"finish": "1"})
    assert seen_first != seen_second
    assert all(sorted(a) == sorted(b) for a, b in zip(seen_first, seen_second, strict=True))
    first, second = attempts(pupil, AGE_KS2)
    assert first.choice_order != second.choice_order
    wrong = next(q for q in questions if q.type == "single")
    chosen = form_for(wrong, right=False)["choice"]
    stored = {r.question_id: r.answer for r in second.responses}
    assert stored[wrong.id] == chosen  # the id, whatever place the button had
    teacher = app.test_client()
    sign_in(teacher, school.teacher)
    report = teacher.get(f"/teacher/classes/{school.ks2.id}/misconceptions").get_data(as_text=True)
    wrong_text = next(c.text for c in wrong.choices if c.id == chosen)
    assert shown(wrong_text) in report and shown(wrong.prompt) in report


def test_story_choices_are_shuffled_but_stored_by_choice(client, pupil):
    """A story's buttons come in the attempt's own order; the decision stored is the choice, not the place."""
    story = quiz(STORY)
    url = start(client, STORY)
    (attempt,) = attempts(pupil, STORY)
    order = attempt.choice_order[story.start]
    assert _story_order(client.get(url).get_data(as_text=True)) == order
    assert sorted(order) == [str(i) for i in range(len(story.nodes[story.start].choices))]
    last_shown = int(order[-1])
    client.post(url, data={"position": 0, "choice": last_shown})
    (attempt,) = attempts(pupil, STORY)
    assert attempt.state["path"] == [last_shown]
    page = client.get(url).get_data(as_text=True)
    assert shown(f"You chose: {story.nodes[story.start].choices[last_shown].text}") in page


def test_a_finish_waits_for_a_finish_of_the_same_pupil_in_another_tab(app, client, pupil):
    """On PostgreSQL a Finish locks the pupil's row before it writes (in the statement that closes the attempt),
    so two tabs finishing at once count the pupil's coverage once: while another transaction holds the lock,
    the Finish waits, and completes once it is let go."""
    import threading

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    url = start(client, AGE_KS2)
    for question in quiz(AGE_KS2).questions:
        client.post(url, data=form_for(question))
    finished = []
    with engine.connect() as other:
        other.execute(sa.text('SELECT id FROM "user" WHERE id = :id FOR UPDATE'), {"id": pupil.id})
        tab = threading.Thread(target=lambda: finished.append(client.post(url, data={"finish": "1"}).status_code))
        tab.start()
        tab.join(1.0)
        assert tab.is_alive() and finished == []  # waiting for the other tab's lock
        other.rollback()
    tab.join(10)
    assert finished == [302]
    (attempt,) = attempts(pupil, AGE_KS2)
    assert attempt.submitted_at is not None


def test_an_answer_to_an_attempt_from_an_older_version_starts_it_afresh_and_keeps_the_answer(client, pupil):
    """An answer posted to an attempt begun before the quiz changed resets the attempt to the new version, then
    records this answer on the fresh attempt: the attempt read with the person is not used again after the
    reset (nothing of the old answers survives, and the new one is not lost)."""
    db.session.add(QuizAttempt(pupil_id=pupil.id, quiz_id=AGE_KS2, number=1, content_version=0,
                               state={"answers": {"retired-question": "a"}}))
    db.session.commit()
    (old,) = attempts(pupil, AGE_KS2)
    question = quiz(AGE_KS2).questions[0]
    assert client.post(f"/pupil/quizzes/{AGE_KS2}/attempts/{old.id}", data=form_for(question)).status_code == 302
    (attempt,) = attempts(pupil, AGE_KS2)
    assert attempt.content_version == quiz(AGE_KS2).version
    assert list(attempt.state["answers"]) == [question.id]
