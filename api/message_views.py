"""A patient's message thread with their therapist: GET (marks the other side's messages read)
and POST (sends one; the other side gets an e-mail without its words).

GET/POST /api/v1/me/messages/ for the signed-in patient; GET/POST /api/v1/patients/{id}/messages/
for the patient's therapist, and GET for the clinic's manager where the clinic lets managers read
messages (another therapist's or clinic's patient, or a manager otherwise: 404). Who may read
and write is decided in patients/access.py; what happens, in messaging/services.py.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from messaging.models import MESSAGE_MAX_LENGTH, Message
from messaging.services import message_body_clean, message_send, thread_read
from patients.access import OutOfScope
from patients.models import Patient
from patients.selectors import patient_of_user

from .permissions import IsPatient, ReadsMessages


class MessageSerializer(serializers.ModelSerializer):
    body = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        trim_whitespace=True,
        help_text=_("The message, text only, up to %(limit)s characters.") % {"limit": MESSAGE_MAX_LENGTH},
    )
    author_name = serializers.SerializerMethodField(help_text=_("Who wrote it, by name."))
    mine = serializers.SerializerMethodField(help_text=_("Whether the caller wrote it."))
    submission = serializers.UUIDField(
        write_only=True,
        required=False,
        help_text=_(
            "Optional: a key the client makes for this message (a UUID). Sending again with the "
            "same key, after a timeout for instance, stores the message once and answers with it."
        ),
    )

    class Meta:
        model = Message
        fields = ["id", "body", "from_patient", "author_name", "mine", "created_at", "read_at", "submission"]
        read_only_fields = ["id", "from_patient", "author_name", "mine", "created_at", "read_at"]

    def get_author_name(self, message) -> str:
        return message.author.get_full_name() or message.author.username

    def get_mine(self, message) -> bool:
        return message.author_id == self.context["request"].user.pk

    def validate_body(self, value: str) -> str:
        try:
            return message_body_clean(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class _Thread(GenericAPIView):
    serializer_class = MessageSerializer
    queryset = Message.objects.none()  # the thread is read by messaging.services.thread_read

    def _patient(self, *, write: bool) -> Patient:
        raise NotImplementedError

    def get(self, request, **kwargs):
        try:
            thread = thread_read(patient=self._patient(write=False), by=request.user)
        except OutOfScope:
            raise NotFound from None
        page = self.paginate_queryset(thread)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request, **kwargs):
        patient = self._patient(write=True)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = message_send(
                patient=patient,
                by=request.user,
                body=serializer.validated_data["body"],
                base_url=request.build_absolute_uri("/"),
                submission=serializer.validated_data.get("submission"),
            )
        except OutOfScope:
            raise NotFound from None
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="me_messages_list",
        summary="The signed-in patient's messages with their therapist, newest last",
        description="Reading marks the therapist's messages read.",
        responses={200: MessageSerializer(many=True)},
        tags=["me"],
    ),
    post=extend_schema(
        operation_id="me_messages_create",
        summary="Send a message to your therapist",
        description="Your therapist gets an e-mail saying a message is waiting (never its words).",
        responses={201: MessageSerializer},
        tags=["me"],
    ),
)
class OwnMessagesView(_Thread):
    permission_classes = [IsPatient]

    def _patient(self, *, write: bool) -> Patient:
        patient = patient_of_user(self.request.user)
        if patient is None:
            raise NotFound
        return patient


@extend_schema_view(
    get=extend_schema(
        operation_id="patients_messages_list",
        summary="A patient's messages with their therapist, newest last",
        description=(
            "The patient's therapist; the clinic's manager only where the clinic lets managers read "
            "messages (otherwise 404). The therapist reading marks the patient's messages read."
        ),
        responses={200: MessageSerializer(many=True)},
        tags=["patients"],
    ),
    post=extend_schema(
        operation_id="patients_messages_create",
        summary="Answer the patient (their therapist)",
        description="The patient gets an e-mail saying a message is waiting (never its words).",
        responses={201: MessageSerializer},
        tags=["patients"],
    ),
)
class PatientMessagesView(_Thread):
    permission_classes = [ReadsMessages]

    def _patient(self, *, write: bool) -> Patient:
        if write and not self.request.user.is_therapist:
            raise PermissionDenied(_("Only the patient and their therapist write messages."))
        patients = (
            Patient.objects.messages_writable_by(self.request.user)
            if write
            else Patient.objects.messages_readable_by(self.request.user)
        )
        patient = patients.filter(pk=self.kwargs["id"]).first()
        if patient is None:
            raise NotFound
        return patient
