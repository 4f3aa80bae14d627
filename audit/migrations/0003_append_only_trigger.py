"""The audit log is append-only in the database too, not only through the ORM.

A trigger refuses every UPDATE and DELETE on ``audit_auditentry``, with one exception: setting
``actor_id`` to NULL and nothing else, which is what deleting an officer's account does
(``on_delete=SET_NULL``; the ``actor_label`` snapshot keeps who it was).
"""

from django.db import migrations

TABLE = "audit_auditentry"
MESSAGE = "The audit log is append-only."

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION audit_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditentry_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_append_only();
"""
POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_auditentry_append_only();
"""

# SQLite: "UPDATE OF col, ..." fires when any listed column is in the SET clause.
_OTHER_COLUMNS = (
    "id, created_at, actor_label, action, object_type, object_id, object_label, before, after, "
    "ip_address, user_agent, channel"
)
# The DELETE guard asks civic_audit_purge_allowed() (audit/database.py), which only lets Django's
# test flush through. A later migration that makes SQLite rebuild this table must recreate these.
SQLITE_CREATE = [
    f"CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {TABLE} "
    f"WHEN NOT civic_audit_purge_allowed() BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE OF {_OTHER_COLUMNS} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER audit_auditentry_no_reassign BEFORE UPDATE OF actor_id ON {TABLE} "
    f"WHEN NEW.actor_id IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete;",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_reassign;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No append-only trigger for the {vendor} database.")


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_context"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
