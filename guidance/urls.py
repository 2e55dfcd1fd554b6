from django.urls import path

from guidance import views

urlpatterns = [
    path("me/messages/", views.patient_thread, name="patient_messages"),
    path("me/messages/new/", views.patient_new_messages, name="patient_messages_new"),
    path("messages/", views.message_inbox, name="message_inbox"),
    path("patients/<uuid:code>/messages/", views.staff_thread, name="staff_messages"),
    path("patients/<uuid:code>/messages/new/", views.staff_new_messages, name="staff_messages_new"),
]
