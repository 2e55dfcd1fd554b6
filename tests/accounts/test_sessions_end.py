from django.urls import reverse

from accounts.services import user_sessions_end
from tests.utils import client_for


def test_it_ends_every_session_of_the_person_and_no_one_elses(therapist, other_therapist):
    first, second = client_for(therapist), client_for(therapist)
    bystander = client_for(other_therapist)
    for client in (first, second, bystander):
        assert client.get(reverse("profile")).status_code == 200  # the middleware records the session

    assert user_sessions_end(user=therapist) == 2

    for client in (first, second):
        response = client.get(reverse("profile"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert bystander.get(reverse("profile")).status_code == 200
