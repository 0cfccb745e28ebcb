"""The pupil's home and the lesson player: states in words, set work first, one step at a time, progress saved
and resumed, checks answered with feedback, completion recorded once, and no 500 on bad input."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from esafety.content import catalogue
from esafety.extensions import db
from esafety.models import Assignment, LessonProgress

from . import factories, pages

KS2_LESSON = "ks2-safe"  # read, read, example, check, read, check, rule
KS1_LESSON = "ks1-safe"  # read, example, check, read, check, read, rule


def shown(text: str) -> str:
    """Text as it appears in the HTML of a page."""
    return str(escape(text))


def lesson(lesson_id):
    """A lesson from the real catalogue."""
    return catalogue().lessons[lesson_id]


def right_choice(step) -> int:
    """The index of the correct choice of a check step."""
    return next(i for i, c in enumerate(step.choices) if c.correct)


def step_url(lesson_id, number):
    """The address of one step."""
    return f"/pupil/lessons/{lesson_id}/step/{number}"


def progress(pupil, lesson_id):
    """The pupil's saved progress in a lesson, read fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(sa.select(LessonProgress).where(LessonProgress.pupil_id == pupil.id,
                                                             LessonProgress.lesson_id == lesson_id))


def go_through(client, lesson_id, steps):
    """Press Next on the first `steps` steps, answering each check correctly, as a pupil would."""
    for number in range(1, steps + 1):
        step = lesson(lesson_id).steps[number - 1]
        if step.type == "check":
            client.post(step_url(lesson_id, number), data={"choice": right_choice(step)})
        response = client.post(step_url(lesson_id, number))
    return response


@pytest.fixture
def pupil(client, school, sign_in):
    """A signed-in KS2 pupil."""
    sign_in(client, school.pupil)
    return school.pupil


def test_home_groups_lessons_by_smart_letter_with_state_in_words(client, school, pupil):
    """The home lists the key stage's lessons under S, M, A, R, T, each marked New, Started: step x of y, or Done."""
    go_through(client, "ks2-tell", len(lesson("ks2-tell").steps))
    go_through(client, KS2_LESSON, 2)
    page = client.get("/pupil/").get_data(as_text=True)
    headings = re.findall(r'<h3 id="smart-([SMART])"', page)
    assert headings == list("SMART")
    assert "Started: step 3 of 7" in page
    done_card = page[page.index(lesson("ks2-tell").title):]
    assert done_card.index("Done") < done_card.index("</li>")
    new_card = page[page.index(lesson("ks2-meeting").title):]
    assert new_card.index("New") < new_card.index("</li>")
    assert lesson("ks1-safe").title not in page  # only their own key stage
    meeting = page[page.index('id="smart-M"'):page.index('id="smart-A"')]
    assert lesson("ks2-meeting").title in meeting and lesson("ks2-safe").title not in meeting


def test_set_work_comes_first_with_its_state(client, school, pupil):
    """Set work is listed above the SMART lessons, with its state; work for the other key stage is left out."""
    for kind, activity in (("lesson", "ks2-reliable"), ("quiz", "age-ks2"), ("lesson", "ks1-safe")):
        db.session.add(Assignment(class_id=school.ks2.id, activity_kind=kind, activity_id=activity,
                                  set_by_id=school.teacher.id))
    db.session.commit()
    client.post("/pupil/quizzes/age-ks2/start")
    page = client.get("/pupil/").get_data(as_text=True)
    set_work = page[page.index("Your teacher has set you"):page.index("SMART lessons")]
    assert lesson("ks2-reliable").title in set_work and "How old do you have to be?" in set_work
    assert "Started" in set_work  # the quiz begun above
    assert lesson("ks1-safe").title not in page


def test_home_asks_a_fixed_number_of_queries(client, school, pupil, queries):
    """The home costs the same number of queries however much the pupil has done."""
    with queries() as before:
        client.get("/pupil/")
    for lesson_id in ("ks2-tell", "ks2-meeting", "ks2-reliable"):
        go_through(client, lesson_id, 3)
    with queries() as after:
        client.get("/pupil/")
    assert len(after) == len(before)


def test_a_press_reads_the_pupils_place_once(client, pupil, queries):
    """Pressing Next or an answer reads the pupil's row for the lesson once (the view's read is the one the
    press changes), then writes it: the most frequent write of a lesson is not slowed by a second read."""
    go_through(client, KS2_LESSON, 3)  # now at step 4, a check
    for data in ({"choice": right_choice(lesson(KS2_LESSON).steps[3])}, {}):  # answer it, then press Next
        with queries() as ran:
            response = client.post(step_url(KS2_LESSON, 4), data=data)
        assert response.status_code == 302
        progress_reads = [q for q in ran if q.lstrip().upper().startswith("SELECT") and "FROM lesson_progress" in q]
        assert len(progress_reads) == 1, progress_reads
        assert any(q.lstrip().upper().startswith("UPDATE LESSON_PROGRESS") for q in ran)


def test_steps_come_one_at_a_time_with_back_and_next(client, pupil):
    """Step 1 says "Step 1 of 7" with a way home; Next moves on; Back goes to the step before."""
    first = client.get(step_url(KS2_LESSON, 1)).get_data(as_text=True)
    assert "Step 1 of 7" in first and 'href="/pupil/">My lessons</a>' in first and ">Next</button>" in first
    response = client.post(step_url(KS2_LESSON, 1))
    assert response.headers["Location"] == step_url(KS2_LESSON, 2)
    second = client.get(step_url(KS2_LESSON, 2)).get_data(as_text=True)
    assert "Step 2 of 7" in second and f'href="{step_url(KS2_LESSON, 1)}">Back</a>' in second
    assert client.get(step_url(KS2_LESSON, 1)).status_code == 200  # going back is always allowed


def test_steps_cannot_be_skipped_by_address(client, pupil):
    """Opening a step beyond the furthest one reached goes back to that one."""
    go_through(client, KS2_LESSON, 1)
    response = client.get(step_url(KS2_LESSON, 6))
    assert response.status_code == 302 and response.headers["Location"] == step_url(KS2_LESSON, 2)
    assert client.post(step_url(KS2_LESSON, 6)).headers["Location"] == step_url(KS2_LESSON, 2)
    assert progress(pupil, KS2_LESSON).step == 1


def test_a_check_step_must_be_answered_before_next(client, pupil):
    """A check step shows no Next until answered, and a Next sent anyway stays on the question."""
    go_through(client, KS2_LESSON, 3)
    page = client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)
    assert lesson(KS2_LESSON).steps[3].question in page and ">Next</button>" not in page
    response = client.post(step_url(KS2_LESSON, 4))
    assert response.headers["Location"] == step_url(KS2_LESSON, 4)
    assert progress(pupil, KS2_LESSON).step == 3


def test_feedback_is_for_the_chosen_answer_and_the_answer_can_change(client, pupil):
    """Choosing shows that choice's feedback only; choosing again replaces it; then Next appears."""
    go_through(client, KS2_LESSON, 3)
    step = lesson(KS2_LESSON).steps[3]
    wrong = next(i for i, c in enumerate(step.choices) if not c.correct)
    response = client.post(step_url(KS2_LESSON, 4), data={"choice": wrong})
    assert response.headers["Location"] == step_url(KS2_LESSON, 4) + "#feedback"
    page = client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)
    assert "Think again." in page and shown(step.choices[wrong].feedback) in page
    assert shown(step.choices[right_choice(step)].feedback) not in page and ">Next</button>" in page
    client.post(step_url(KS2_LESSON, 4), data={"choice": right_choice(step)})
    page = client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)
    assert "Well done!" in page and shown(step.choices[right_choice(step)].feedback) in page
    assert shown(step.choices[wrong].feedback) not in page and "Think again." not in page
    assert progress(pupil, KS2_LESSON).answers == {"3": right_choice(step)}


def test_progress_is_saved_at_every_step_and_resumed_on_another_device(app, client, school, pupil, sign_in):
    """Each Next is saved on the server; opening the lesson later, on any device, goes to the step reached."""
    for number in range(1, 4):
        client.post(step_url(KS2_LESSON, number))
        assert progress(pupil, KS2_LESSON).step == number
    response = client.get(f"/pupil/lessons/{KS2_LESSON}")
    assert response.headers["Location"] == step_url(KS2_LESSON, 4)
    tablet = app.test_client()
    sign_in(tablet, school.pupil)
    assert tablet.get(f"/pupil/lessons/{KS2_LESSON}").headers["Location"] == step_url(KS2_LESSON, 4)
    assert "Started: step 4 of 7" in tablet.get("/pupil/").get_data(as_text=True)


def test_a_new_lesson_opens_at_step_one(client, pupil):
    """A lesson never opened starts at the beginning."""
    assert client.get(f"/pupil/lessons/{KS2_LESSON}").headers["Location"] == step_url(KS2_LESSON, 1)


def test_completion_is_recorded_once_with_the_content_version(client, pupil):
    """Finish sent twice (a double click) records one completion, with the content version; its time stays."""
    steps = len(lesson(KS2_LESSON).steps)
    first = go_through(client, KS2_LESSON, steps)
    assert first.headers["Location"] == f"/pupil/lessons/{KS2_LESSON}/done"
    row = progress(pupil, KS2_LESSON)
    completed_at = row.completed_at
    assert completed_at is not None and row.content_version == lesson(KS2_LESSON).version
    second = client.post(step_url(KS2_LESSON, steps))
    assert second.headers["Location"] == f"/pupil/lessons/{KS2_LESSON}/done"
    rows = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.pupil_id == pupil.id)).all()
    assert len(rows) == 1 and progress(pupil, KS2_LESSON).completed_at == completed_at


def test_completion_page_celebrates_and_suggests_a_next_step(client, pupil):
    """The done page names the lesson, repeats the rule, and offers the lesson's story and the next lesson."""
    go_through(client, "ks2-accepting", len(lesson("ks2-accepting").steps))
    page = client.get("/pupil/lessons/ks2-accepting/done").get_data(as_text=True)
    assert "You finished" in page and lesson("ks2-accepting").title in page
    assert str(escape(catalogue().smart_rules.rules["A"].KS2)) in page
    assert "Try the story: A friend request in a game" in page and "Next lesson:" in page
    assert "streak" not in page.lower() and "points" not in page.lower()


def test_a_lesson_with_an_age_quiz_offers_a_quiz_not_a_story(client, pupil):
    """Finishing the age-restrictions lesson offers "Try the quiz", since the age quiz is not a story."""
    lesson_id = "ks2-topic-age-restrictions"
    go_through(client, lesson_id, len(lesson(lesson_id).steps))
    page = client.get(f"/pupil/lessons/{lesson_id}/done").get_data(as_text=True)
    assert "Try the quiz: How old do you have to be?" in page and "Try the story: How old" not in page


def test_done_page_before_finishing_goes_to_the_lesson(client, pupil):
    """The celebration is not shown for a lesson that is not finished."""
    assert client.get(f"/pupil/lessons/{KS2_LESSON}/done").headers["Location"] == f"/pupil/lessons/{KS2_LESSON}"


def test_a_finished_lesson_opens_at_the_start_and_stays_done(client, pupil):
    """Going back to a finished lesson starts at step 1, every step can be opened, and it is still Done."""
    go_through(client, KS2_LESSON, len(lesson(KS2_LESSON).steps))
    assert client.get(f"/pupil/lessons/{KS2_LESSON}").headers["Location"] == step_url(KS2_LESSON, 1)
    assert client.get(step_url(KS2_LESSON, 7)).status_code == 200
    client.post(step_url(KS2_LESSON, 1))
    assert progress(pupil, KS2_LESSON).completed_at is not None


def test_ks1_pupil_gets_ks1_lessons(client, school, sign_in):
    """A KS1 pupil's home and lessons are KS1's, and the page is styled for KS1."""
    sign_in(client, school.ks1_pupil)
    page = client.get("/pupil/").get_data(as_text=True)
    assert lesson(KS1_LESSON).title in page and lesson(KS2_LESSON).title not in page
    assert 'class="pupil ks1' in client.get(step_url(KS1_LESSON, 1)).get_data(as_text=True)


@pytest.mark.parametrize("path", [f"/pupil/lessons/{KS1_LESSON}", step_url(KS1_LESSON, 1),
                                  f"/pupil/lessons/{KS1_LESSON}/done", "/pupil/lessons/no-such-lesson",
                                  step_url("no-such-lesson", 1)])
def test_a_lesson_of_the_other_key_stage_is_not_found(client, pupil, path):
    """A KS2 pupil gets 404 for a KS1 lesson or an unknown one, so lesson ids reveal nothing."""
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (404, 405)


@pytest.mark.parametrize("data, status", [({"choice": "99"}, 400), ({"choice": "abc"}, 400),
                                          ({"choice": "-1"}, 400), ({"choice": ""}, 400)])
def test_a_choice_that_is_not_on_the_page_is_refused(client, pupil, data, status):
    """A tampered choice gets a friendly 400 and changes nothing."""
    go_through(client, KS2_LESSON, 3)
    response = client.post(step_url(KS2_LESSON, 4), data=data)
    assert response.status_code == status and "Something was not quite right" in response.get_data(as_text=True)
    assert progress(pupil, KS2_LESSON).answers == {}


@pytest.mark.parametrize("number", [0, 8, 100])
def test_a_step_that_does_not_exist_is_not_found(client, pupil, number):
    """Step 0 or a step beyond the end is a 404 page, never a crash."""
    assert client.get(step_url(KS2_LESSON, number)).status_code == 404
    assert client.post(step_url(KS2_LESSON, number)).status_code == 404


def test_progress_saved_against_an_older_lesson_still_opens(client, pupil):
    """Progress saved before a lesson was shortened, or an answer that no longer fits, never causes a 500."""
    db.session.add(LessonProgress(pupil_id=pupil.id, lesson_id=KS2_LESSON, content_version=0, step=40,
                                  answers={"3": 9, "5": "x"}))
    db.session.commit()
    assert client.get(f"/pupil/lessons/{KS2_LESSON}").headers["Location"] == step_url(KS2_LESSON, 7)
    page = client.get(step_url(KS2_LESSON, 4))
    assert page.status_code == 200
    assert "Think again." not in page.get_data(as_text=True) and "Well done!" not in page.get_data(as_text=True)
    assert client.post(step_url(KS2_LESSON, 7)).headers["Location"] == step_url(KS2_LESSON, 4)  # re-answer first


def csrf_token(client, path):
    """The CSRF token on a page, as a browser would send it back."""
    return pages.csrf_token(client.get(path).get_data(as_text=True))


def test_lesson_forms_need_the_csrf_token(make_app, school):
    """With CSRF protection on, a lesson POST without the token is refused and saves nothing; with it, it saves."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token(client, "/pupil/login")
    client.post("/pupil/login", data={"code": "WHEAT7", "csrf_token": token})
    client.post("/pupil/login/name", data={"pupil": school.pupil.id, "csrf_token": token})
    for picture in factories.PASSCODE.split("-"):
        token = csrf_token(client, "/pupil/login/passcode")
        client.post("/pupil/login/passcode", data={"picture": picture, "csrf_token": token})
    token = csrf_token(client, step_url(KS2_LESSON, 1))
    assert client.post(step_url(KS2_LESSON, 1)).status_code == 400
    assert progress(school.pupil, KS2_LESSON) is None
    assert client.post(step_url(KS2_LESSON, 1), data={"csrf_token": token}).status_code == 302
    assert progress(school.pupil, KS2_LESSON).step == 1


def test_a_year_5_pupil_gets_the_years_5_6_lesson_but_not_the_year_6_one(client, school, pupil):
    """The Years 5-6 lesson is on a Year 5 pupil's home and opens; the Year 6 lesson is neither listed nor opened."""
    page = client.get("/pupil/").get_data(as_text=True)
    assert shown(lesson("ks2-topic-body-pictures").title) in page
    assert shown(lesson("ks2-topic-ready-for-phone").title) not in page
    assert client.get(step_url("ks2-topic-body-pictures", 1)).status_code == 200
    assert client.get(step_url("ks2-topic-ready-for-phone", 1)).status_code == 404


def test_a_year_3_pupil_cannot_see_or_open_the_years_5_6_lesson(client, school, sign_in):
    """A Year 3 pupil's home leaves the lesson out, and its address gives 404, even if a teacher set it."""
    year3 = factories.make_class(school.school, "Year 3 Elm", 3, teachers=[school.teacher], code="ELMTR3")
    young = factories.make_pupil(year3, "Gus", "M")
    db.session.add(Assignment(class_id=year3.id, activity_kind="lesson", activity_id="ks2-topic-body-pictures",
                              set_by_id=school.teacher.id))
    db.session.commit()
    sign_in(client, young)
    page = client.get("/pupil/").get_data(as_text=True)
    assert shown(lesson("ks2-topic-body-pictures").title) not in page
    assert shown(lesson("ks2-topic-chatbots").title) in page
    assert client.get(step_url("ks2-topic-body-pictures", 1)).status_code == 404


def shown_order(page: str) -> list[int]:
    """The choice indexes of a check step's buttons, in the order the page shows them."""
    return [int(v) for v in re.findall(r'name="choice" value="(\d+)"', page)]


def test_check_choices_are_shuffled_per_pupil_and_stay_put_on_reload(app, client, school, pupil, sign_in):
    """Each pupil sees a check's choices in an order of their own, the same on every reload and on another
    computer, so the place of the right answer gives nothing away; the answer is still saved by choice."""
    go_through(client, KS2_LESSON, 3)
    step = lesson(KS2_LESSON).steps[3]
    first = shown_order(client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True))
    assert sorted(first) == list(range(len(step.choices)))
    assert shown_order(client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)) == first
    tablet = app.test_client()
    sign_in(tablet, pupil)
    assert shown_order(tablet.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)) == first
    orders = {tuple(first)}
    for name in ("Gus", "Hana", "Ivo", "Jas", "Kit", "Lou"):
        other = factories.make_pupil(school.ks2, name, "M")
        db.session.commit()
        browser = app.test_client()
        sign_in(browser, other)
        go_through(browser, KS2_LESSON, 3)
        orders.add(tuple(shown_order(browser.get(step_url(KS2_LESSON, 4)).get_data(as_text=True))))
    assert len(orders) >= 2  # seven pupils do not all share one order
    client.post(step_url(KS2_LESSON, 4), data={"choice": first[0]})
    assert progress(pupil, KS2_LESSON).answers == {"3": first[0]}


def test_a_lesson_step_is_one_statement_that_reads_the_place_with_the_pupil(app, client, school, pupil, queries):
    """The page every click of a lesson shows reads the pupil's place in the signed-in person's own statement:
    one round trip, and the same place as its own read gives (the answer chosen stays chosen)."""
    from esafety import learning, sessions, signed_in

    go_through(client, KS2_LESSON, 3)
    check = lesson(KS2_LESSON).steps[3]
    client.post(step_url(KS2_LESSON, 4), data={"choice": right_choice(check)})
    with queries() as statements:
        page = client.get(step_url(KS2_LESSON, 4)).get_data(as_text=True)
    assert len(statements) == 1 and "lesson_progress" in statements[0]
    assert 'aria-pressed="true"' in page and "Well done!" in page
    cookie = {"Cookie": f"esafety_session={client.get_cookie('esafety_session').value}"}
    with app.test_request_context(step_url(KS2_LESSON, 4), headers=cookie):
        app.preprocess_request()  # the session rules and guards: the person and the place are read here
        early = signed_in.read_early(("place", pupil.id, KS2_LESSON), "none")
        assert early != "none"  # it came with the person (and is taken once: place_in now reads afresh)
        rows = db.session.execute(sa.select(LessonProgress.step, LessonProgress.answers).where(
            LessonProgress.pupil_id == pupil.id, LessonProgress.lesson_id == KS2_LESSON)).all()
        assert tuple(early[:2]) == tuple(rows[0])
        assert tuple(learning.place_in(pupil.id, KS2_LESSON)[:2]) == tuple(rows[0])
    with app.test_request_context(step_url(KS2_LESSON, 4)):  # a session its account has ended reads nothing
        assert sessions.load_user(f"{pupil.id}:{pupil.session_version + 1}") is None
        assert signed_in.read_early(("place", pupil.id, KS2_LESSON), "none") == "none"


def test_on_a_server_the_pupil_home_is_read_with_the_pupil_in_one_statement(app, client, school, pupil, queries):
    """On PostgreSQL the home's one read (lesson states, quiz attempts, set work) comes in the signed-in person's
    own statement: one round trip. SQLite, where a statement costs none, reads it in a statement of its own.
    Either way the page shows the same states and set work, and the read follows the pupil, not the URL."""
    go_through(client, "ks2-tell", len(lesson("ks2-tell").steps))
    go_through(client, KS2_LESSON, 2)
    db.session.add(Assignment(class_id=school.ks2.id, activity_kind="lesson", activity_id="ks2-meeting",
                              set_by_id=school.teacher.id))
    db.session.commit()
    with queries() as statements:
        page = client.get("/pupil/").get_data(as_text=True)
    server = db.engine.dialect.name != "sqlite"
    assert len(statements) == (1 if server else 2)
    assert "Started: step 3 of 7" in page and "Your teacher has set you" in page
    set_work = page[page.index("set-work-title"):page.index("SMART lessons")]
    assert lesson("ks2-meeting").title in set_work and "New" in set_work
    done_card = page[page.index(lesson("ks2-tell").title, page.index("SMART lessons")):]
    assert done_card.index("Done") < done_card.index("</li>")
