import datetime


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None  # Django answers 404

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()
