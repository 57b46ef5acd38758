"""person roles as rows: a `person_roles` table, one row per (person, role), its role checked
against the four roles by the database, instead of the comma-separated `persons.roles` matched
with LIKE; existing roles are moved over and the old column dropped

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# shared.domain.Role as it is at this revision (a migration does not follow later changes)
ROLES = ("agent", "partner", "vendor", "concierge")
ROLE_CHECK = "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")"


def _split(person_id: str, roles: str) -> list[str]:
    """The roles of one old comma-separated value, as the LIKE queries matched them (ASCII case
    ignored, spaces around a role ignored); a value that is none of the four stops the upgrade."""
    found = []
    for part in roles.split(","):
        role = part.strip().lower()
        if not role:
            continue
        if role not in ROLES:
            raise RuntimeError(
                f"person {person_id} has the unknown role {part.strip()!r} in persons.roles; "
                f"correct it to one of {', '.join(ROLES)} and run the upgrade again"
            )
        if role not in found:
            found.append(role)
    return found


def _batch_drop(bind: sa.Connection) -> bool:
    """Whether `persons.roles` is dropped in batch mode (a copy of the table): only on SQLite
    before 3.35, which has no DROP COLUMN, and only with foreign keys off. The hub migrates with
    foreign keys on, and there dropping the old `persons` table deletes its rows first, which
    cascades to every person's roles, zip codes and tokens (and fails on their referrals), so
    this refuses before changing anything."""
    version = bind.dialect.server_version_info or ()
    if bind.dialect.name != "sqlite" or version >= (3, 35):
        return False
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "dropping persons.roles needs SQLite 3.35 or later when foreign keys are on "
            f"(this is {'.'.join(map(str, version))}); upgrade SQLite"
        )
    return True


def upgrade() -> None:
    bind = op.get_bind()
    batch = _batch_drop(bind)
    op.create_table(
        "person_roles",
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint(ROLE_CHECK, name="ck_person_roles_role"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "role"),
    )
    op.create_index("ix_person_roles_role", "person_roles", ["role", "person_id"], unique=False)

    rows = [
        {"person_id": person_id, "role": role}
        for person_id, roles in bind.execute(sa.text("SELECT id, roles FROM persons"))
        for role in _split(person_id, roles or "")
    ]
    if rows:
        bind.execute(
            sa.text("INSERT INTO person_roles (person_id, role) VALUES (:person_id, :role)"), rows
        )

    if batch:
        with op.batch_alter_table("persons", schema=None) as batch_op:
            batch_op.drop_column("roles")
    else:  # ALTER TABLE ... DROP COLUMN, SQLite included: no copy of the table
        op.drop_column("persons", "roles")


def downgrade() -> None:
    # the column comes back with a server default of '' (SQLite adds a NOT NULL column only with
    # one), filled from the rows, roles in the order of ROLES
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("roles", sa.String(length=200), server_default="", nullable=False)
        )

    bind = op.get_bind()
    held: dict[str, set[str]] = {}
    for person_id, role in bind.execute(sa.text("SELECT person_id, role FROM person_roles")):
        held.setdefault(person_id, set()).add(role)
    rows = [
        {"id": person_id, "roles": ",".join(role for role in ROLES if role in roles)}
        for person_id, roles in held.items()
    ]
    if rows:
        bind.execute(sa.text("UPDATE persons SET roles = :roles WHERE id = :id"), rows)

    op.drop_index("ix_person_roles_role", table_name="person_roles")
    op.drop_table("person_roles")
