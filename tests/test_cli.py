"""`flask ally seed` and `flask ally create-staff`."""

from sqlalchemy import func, select

from ally_web.extensions import db
from ally_web.models import Staff, StaffRole, Variant


def test_seed_twice_adds_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["ally", "seed"])
    assert first.exit_code == 0, first.output
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Variant, Staff)]
    second = runner.invoke(args=["ally", "seed"])
    assert "nothing added" in second.output
    assert counts == [db.session.scalar(select(func.count()).select_from(m)) for m in (Variant, Staff)]
    assert counts[1] == 2


def test_create_staff_with_a_role(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["ally", "create-staff", "--email", "New@Ally.NYC", "--name", "Dana", "--role", "admin"],
        input="a-long-enough-password\na-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    staff = db.session.scalar(select(Staff).where(Staff.email == "new@ally.nyc"))
    assert staff.role == StaffRole.ADMIN and staff.name == "Dana"


def test_create_staff_explains_a_refusal(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["ally", "create-staff", "--email", "x@ally.nyc", "--name", "X", "--role", "stylist"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0
    assert "12 characters" in result.output


def test_the_demo_trials_show_every_queue_and_step(app):
    from ally_web.models import TrialBox, TrialState
    from ally_web.services import trial

    assert app.test_cli_runner().invoke(args=["ally", "seed"]).exit_code == 0
    states = dict(db.session.execute(select(TrialBox.email, TrialBox.state)).all())
    assert states == {"nina.patel@example.com": TrialState.REQUESTED, "ruth.adams@example.com": TrialState.SHIPPED,
                      "lena.brooks@example.com": TrialState.DELIVERED, "maya.chen@example.com": TrialState.DECIDED,
                      "iris.novak@example.com": TrialState.DECIDED}
    assert [row.box.email for row in trial.queue()] == ["nina.patel@example.com"]
    lena = db.session.scalar(select(TrialBox).where(TrialBox.email == "lena.brooks@example.com"))
    assert trial.window_of(lena).open
    assert [box.email for box in trial.boxes_with_returns()] == ["maya.chen@example.com"]
    iris = db.session.scalar(select(TrialBox).where(TrialBox.email == "iris.novak@example.com"))
    [scuffed] = [pair for pair in iris.pairs if pair.accepted is False]
    assert len(scuffed.photos) == 1 and "heel tip" in scuffed.inspection_note
    assert [charge.kind for charge in iris.charges] == ["kept", "damage"]


def test_the_demo_fitting_pair_meant_to_be_overdue_is_clearly_overdue_on_the_staff_board(app, client, auth):
    import re
    from datetime import timedelta

    from ally_web import policy
    from ally_web.core import clock
    from ally_web.models import Order
    from ally_web.services import made_to_order

    assert app.test_cli_runner().invoke(args=["ally", "seed"]).exit_code == 0
    hannah = db.session.scalar(select(Order).where(Order.email_canonical == "hannah.kim@example.com"))
    out = {loaner.line.order_id: loaner for loaner in made_to_order.fitting_pairs_out()}
    assert out[hannah.id].overdue and out[hannah.id].days_out >= policy.FITTING_PAIR_OVERDUE_DAYS + 3
    # Still overdue a day earlier: not a pair on the edge of the threshold.
    assert [l.overdue for l in made_to_order.fitting_pairs_out(clock.now() - timedelta(days=1))
            if l.line.order_id == hannah.id] == [True]
    assert not any(loaner.overdue for order_id, loaner in out.items() if order_id != hannah.id)

    auth.login("stylist")
    board = client.get("/admin/made-to-order").get_data(as_text=True)
    loaners = board[board.index('id="loaners-title"'):]
    row = re.search(rf'<tr class="row--late">\s*<th scope="row"><a [^>]+>#{hannah.number}</a>.*?</tr>', loaners,
                    re.S)
    assert row is not None and "Overdue" in row.group(0)
