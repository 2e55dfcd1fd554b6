"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit table, so not even raw
SQL from the application can change history. (The model refuses them too, on every database.)

TRUNCATE is left to the table's owner: test databases are emptied with it between tests, and in
production the application's role should not own the table (see README, "Running on PostgreSQL").
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION steady_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'clinics_auditevent is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinics_auditevent_append_only
    BEFORE UPDATE OR DELETE ON clinics_auditevent
    FOR EACH ROW EXECUTE FUNCTION steady_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS clinics_auditevent_append_only ON clinics_auditevent;
DROP FUNCTION IF EXISTS steady_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clinics", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
