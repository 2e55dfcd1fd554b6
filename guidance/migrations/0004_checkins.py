"""Schema changes for check-ins (helper C), if any (merged into 0002 before landing)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("guidance", "0003_checkin_no_overlap")]

    operations = []
