"""Password hashes: argon2id with OWASP's parameters; scrypt hashes replaced at sign-in.

The rest of the suite hashes with the cheapest parameters (``settings_for``); these tests
run on production's.
"""

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal import create_app, database
from portal.auth import passwords
from portal.models import User
from tests.conftest import PASSWORD, empty_tables, settings_for


@pytest.fixture
def app(database_url):
    app = create_app(settings_for(database_url, PASSWORD_HASHER="owasp"))
    yield app
    empty_tables(app)


def stored_hash(app) -> str:
    with app.app_context():
        return database.session().scalars(select(User.password_hash)).one()


def test_new_passwords_are_argon2id_with_owasp_parameters(app, user):
    assert stored_hash(app).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_an_old_scrypt_hash_is_replaced_at_the_next_sign_in(app, auth, user):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(User, user[0]).password_hash = generate_password_hash(
                PASSWORD, method="scrypt"
            )
    assert auth.login(password="wrong password!").status_code == 200
    assert stored_hash(app).startswith("scrypt:")  # not on a failure
    assert auth.login().status_code == 302
    assert stored_hash(app).startswith("$argon2id$")
    assert passwords.verify(stored_hash(app), PASSWORD)


def test_weaker_argon2_parameters_are_replaced_too():
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x" * 12)
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("x" * 12))


def test_a_broken_hash_never_verifies():
    assert not passwords.verify("$argon2id$garbage", "anything")


def test_a_hash_from_the_tests_cheap_parameters_is_replaced_at_sign_in(app, auth, user):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.get(User, user[0]).password_hash = passwords.PROFILES["cheapest"].hash(PASSWORD)
    assert auth.login().status_code == 302
    assert stored_hash(app).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_suite_signs_in_with_the_cheapest_parameters(database_url):
    app = create_app(settings_for(database_url))
    with app.app_context():
        assert passwords.hash_password(PASSWORD).startswith("$argon2id$v=19$m=8,t=1,p=1$")
