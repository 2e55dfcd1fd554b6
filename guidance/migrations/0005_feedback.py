"""Schema changes for weekly feedback (helper F), if any (merged into 0002 before landing)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("guidance", "0004_checkins")]

    operations = []
