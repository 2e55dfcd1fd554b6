"""Schema changes for dashboard and patient view (helper D), if any (merged into 0002 before landing)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_feedback")]

    operations = []
