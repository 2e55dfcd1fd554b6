"""On PostgreSQL the database refuses two booked check-ins of one therapist that overlap in time,
whatever their start times (the unique index in 0002 covers equal starts on every database).

``btree_gist`` lets the exclusion constraint compare the therapist id with ``=``; it is a trusted
extension, so the database owner may create it without superuser rights.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE guidance_checkin ADD CONSTRAINT guidance_checkin_no_overlap
    EXCLUDE USING gist (therapist_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'booked');
"""
DROP = "ALTER TABLE guidance_checkin DROP CONSTRAINT IF EXISTS guidance_checkin_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0002_feedback_checkins_time_notes")]

    operations = [migrations.RunPython(forwards, backwards)]
