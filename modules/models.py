from django.db import models


class Program(models.Model):
    """A versioned treatment program, such as "Living well with chronic pain".

    Its modules, pages and exercises are added by the program-delivery work; a cohort and each
    enrolment point at the program they follow.
    """

    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=8, default="en")
    weeks = models.PositiveSmallIntegerField(default=9)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="program_slug_version_unique")]
        ordering = ["title", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"
