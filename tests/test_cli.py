from sqlalchemy import select

from portal import database
from portal.models import SubscriptionPlan, User
from tests.conftest import PASSWORD


def test_users_create_makes_the_firm_with_default_plans(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--firm",
            "Tōtara Tax",
            "--email",
            "Boss@Totara.example",
            "--admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created administrator boss@totara.example in firm 'Tōtara Tax'" in result.output
    with app.app_context():
        session = database.session()
        user = session.scalar(select(User))
        assert user.is_admin and user.password_hash.startswith("$argon2id$")
        plans = session.scalars(select(SubscriptionPlan.name).order_by(SubscriptionPlan.position))
        assert list(plans) == ["Guest", "Standard", "Unlimited", "Archive"]
    client = app.test_client()
    response = client.post("/login", data={"email": "boss@totara.example", "password": PASSWORD})
    assert response.status_code == 302


def test_users_create_refuses_a_short_password_and_a_duplicate(app, runner):
    args = ["users", "create", "--firm", "F", "--email", "a@f.example", "--password-stdin"]
    short = runner.invoke(args=args, input="short\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    again = runner.invoke(args=args, input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_create_refuses_a_malformed_email(app, runner):
    result = runner.invoke(
        args=["users", "create", "--firm", "F", "--email", "not an email", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "e-mail address" in result.output


def test_demo_seed_runs_once(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and "password:" in first.output
    password = first.output.split("password:")[1].split()[0]
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0 and "already here" in second.output
    with app.app_context():
        assert len(database.session().scalars(select(User)).all()) == 1
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "admin@demo-practice.example", "password": password}
    )
    assert response.status_code == 302


def test_set_password_ends_existing_sessions(app, runner, auth, user, client):
    auth.login()
    result = runner.invoke(
        args=["users", "set-password", "--email", "staff@kowhai.example", "--password-stdin"],
        input="a brand new long password\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/clients/").status_code == 302
    assert auth.login(password="a brand new long password").status_code == 302
