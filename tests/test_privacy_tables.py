"""The privacy rules cover every table that can hold a family's data, found in the metadata.

A new table with a user_id (or chat_id, application_id, or a foreign key to users or
applications) fails here until bot/privacy/tables.py says how /mydata and /deleteme treat it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table

from bot.privacy.retention import DEFAULT_RETENTION, load_retention
from bot.privacy.tables import RULES, Erase, exported_tables, staff_only_tables
from db.models import Base
from db.repo.privacy import family_tables

# Tables only staff work with: never part of a family's copy. Each is explained in RULES.
STAFF_ONLY = {
    "case_notes",  # internal notes of caseworkers, never shown to the family
    "case_notices",  # which staff chats got the new-application notice
    "pending_inputs",  # a staff member's half-typed reason or question
    "caseworker_regions",  # the regions a caseworker serves
    "broadcasts",  # announcements, linked to the admin who wrote them
}


def test_rules_cover_exactly_the_tables_holding_a_family() -> None:
    assert set(RULES) == family_tables(Base.metadata)


def test_the_copy_covers_every_family_table_but_the_staff_only_ones() -> None:
    assert staff_only_tables() == STAFF_ONLY
    assert exported_tables() == family_tables(Base.metadata) - STAFF_ONLY


def test_a_new_table_with_a_user_id_is_noticed() -> None:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table(
        "loyalty_points",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", BigInteger),
    )
    Table(
        "attachments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner", BigInteger, ForeignKey("applications.id")),
    )
    Table("settings", metadata, Column("key", String(16), primary_key=True))
    assert family_tables(metadata) - set(RULES) == {"loyalty_points", "attachments"}


def test_rules_name_real_columns() -> None:
    for name, rule in RULES.items():
        table = Base.metadata.tables[name]
        for column in (
            *rule.user_columns,
            *rule.application_columns,
            *rule.anonymise,
            *rule.detach,
        ):
            assert column in table.c, f"{name}.{column}"
        assert rule.erase is not Erase.DELETE or rule.user_columns, name


def test_anonymised_columns_are_the_personal_ones() -> None:
    assert {"pin", "phone", "full_name", "answers"} <= set(RULES["applications"].anonymise)
    assert {"first_name", "last_name", "username", "language"} <= set(RULES["users"].anonymise)
    # What a family typed never survives in an anonymous record: only these kinds of rows do.
    survivors = {
        n
        for n, r in RULES.items()
        if r.erase in (Erase.TRAIL, Erase.APPLICATION, Erase.PERSON, Erase.KEEP)
    }
    assert survivors == {
        "users",
        "applications",
        "status_changes",
        "case_notes",
        "case_notices",
        "privacy_requests",
        "caseworker_regions",
        "broadcasts",
    }


def test_the_retention_period_is_data_marked_as_an_assumption() -> None:
    retention = load_retention(DEFAULT_RETENTION)
    assert retention.contract_years == 3
    assert retention.source.startswith("assumed")
