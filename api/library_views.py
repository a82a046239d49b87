"""The library in the API: the clinic's exercises and program templates, and the shipped ones.

Therapists and managers of a clinic read the shipped items and their clinic's (another clinic's
answers 404), add their own, change them, and copy any they see; a shipped item answers 403 to a
change, saying to copy it. Patients read their exercises through `me/today` (403 here). Every
queryset starts from exercises.access; writes go through exercises.library.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as RequestInvalid
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from exercises import library
from exercises.images import too_large_message, upload_too_large
from exercises.models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise

from . import library_serializers as ls
from .parsers import JSONParser, RequestTooLarge
from .permissions import UsesLibrary


def _shipped_refused(item) -> None:
    """A shipped item is found (everyone reads it) but never changed: 403, saying what to do."""
    if item.is_shipped:
        raise PermissionDenied(_("This ships with BackCare and is read-only: copy it to change it."))


def _writes(call):
    """Run a library service; its refusal of a shipped item reads as the API's 403."""
    try:
        return call()
    except DjangoPermissionDenied as refused:
        raise PermissionDenied(str(refused)) from None


@extend_schema_view(
    list=extend_schema(summary="List the exercise library: the shipped exercises and your clinic's"),
    retrieve=extend_schema(summary="Read one exercise"),
    create=extend_schema(
        summary="Add an exercise to your clinic's library (multipart/form-data to upload a picture)",
        request={
            "application/json": ls.ExerciseWriteSerializer,
            "multipart/form-data": ls.ExerciseWriteSerializer,
        },
        responses={201: ls.LibraryExerciseSerializer},
    ),
    partial_update=extend_schema(
        summary="Change one of your clinic's exercises (a shipped one answers 403: copy it)",
        description=(
            "If a plan already has the exercise, the change is saved as a new version (a new id, "
            "answered here) and the plans keep the version they were prescribed."
        ),
        request={
            "application/json": ls.ExerciseWriteSerializer(partial=True),
            "multipart/form-data": ls.ExerciseWriteSerializer(partial=True),
        },
        responses={200: ls.LibraryExerciseSerializer},
    ),
    copy=extend_schema(
        summary="Copy an exercise (shipped or your clinic's) into your clinic's library",
        request=None,
        responses={201: ls.LibraryExerciseSerializer},
    ),
)
class ExerciseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ls.LibraryExerciseSerializer
    permission_classes = [UsesLibrary]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = Exercise.objects.visible_to(self.request.user).order_by("name", "pk")
        return queryset.current() if self.action == "list" else queryset

    def _render(self, exercise: Exercise, code=status.HTTP_200_OK) -> Response:
        return Response(ls.LibraryExerciseSerializer(exercise).data, status=code)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PATCH") and upload_too_large(request):  # before the body is read
            raise RequestTooLarge(too_large_message())

    def create(self, request):
        serializer = ls.ExerciseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        image = data.pop("image", None)
        data.pop("remove_image", None)
        exercise = library.exercise_create(by=request.user, data=data, image=image)
        return self._render(exercise, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        exercise = get_object_or_404(self.get_queryset(), pk=pk)
        _shipped_refused(exercise)
        serializer = ls.ExerciseWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        image = data.pop("image", None)
        remove_image = data.pop("remove_image", False)
        changed = _writes(
            lambda: library.exercise_update(
                exercise=exercise, by=request.user, data=data, image=image, remove_image=remove_image
            )
        )
        return self._render(changed)

    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        exercise = get_object_or_404(self.get_queryset(), pk=pk)
        return self._render(
            library.exercise_copy(exercise=exercise, by=request.user), status.HTTP_201_CREATED
        )


PROGRAM_WEEKS = Prefetch(
    "weeks",
    queryset=ProgramWeek.objects.order_by("number").prefetch_related(
        Prefetch(
            "exercises", queryset=WeekExercise.objects.select_related("exercise").order_by("order", "pk")
        )
    ),
)


@extend_schema_view(
    list=extend_schema(summary="List program templates (shipped and your clinic's), weeks nested"),
    retrieve=extend_schema(summary="Read one program template by slug"),
    create=extend_schema(
        summary="Make a program template of your clinic, with its weeks",
        request=ls.ProgramWriteSerializer,
        responses={201: ls.LibraryProgramSerializer},
    ),
    partial_update=extend_schema(
        summary="Change one of your clinic's program templates (a shipped one answers 403: copy it)",
        description="`weeks`, when given, replaces all the weeks. Plans made from it keep their own copy.",
        request=ls.ProgramWriteSerializer(partial=True),
        responses={200: ls.LibraryProgramSerializer},
    ),
    copy=extend_schema(
        summary="Copy a program template (shipped or your clinic's) into your clinic's programs",
        request=None,
        responses={201: ls.LibraryProgramSerializer},
    ),
)
class ProgramViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ls.LibraryProgramSerializer
    permission_classes = [UsesLibrary]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return (
            ProgramTemplate.objects.visible_to(self.request.user)
            .order_by("name", "pk")
            .prefetch_related(PROGRAM_WEEKS)
        )

    def _render(self, program: ProgramTemplate, code=status.HTTP_200_OK) -> Response:
        program = get_object_or_404(self.get_queryset(), pk=program.pk)
        return Response(ls.LibraryProgramSerializer(program).data, status=code)

    def _weeks(self, weeks: list[dict]) -> list[dict]:
        """The weeks with each exercise id read through the caller's library (unknown: 400)."""
        visible = Exercise.objects.visible_to(self.request.user).current()
        wanted = {entry["exercise"] for week in weeks for entry in week.get("exercises", [])}
        found = visible.in_bulk(wanted)
        missing = sorted(wanted - set(found))
        if missing:
            raise RequestInvalid(
                {"weeks": [_("No exercise of your library has the id %(id)s.") % {"id": missing[0]}]}
            )
        return [
            {
                **week,
                "exercises": [
                    {**entry, "exercise": found[entry["exercise"]]} for entry in week.get("exercises", [])
                ],
            }
            for week in weeks
        ]

    def create(self, request):
        serializer = ls.ProgramWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        weeks = self._weeks(data.pop("weeks", []))
        with transaction.atomic():
            program = library.program_create(by=request.user, data=data)
            if weeks:
                library.program_weeks_set(program=program, by=request.user, weeks=weeks)
        return self._render(program, status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        program = get_object_or_404(self.get_queryset(), slug=slug)
        _shipped_refused(program)
        serializer = ls.ProgramWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        weeks = self._weeks(data.pop("weeks")) if "weeks" in data else None
        with transaction.atomic():
            _writes(lambda: library.program_update(program=program, by=request.user, data=data))
            if weeks is not None:
                _writes(lambda: library.program_weeks_set(program=program, by=request.user, weeks=weeks))
        return self._render(program)

    @action(detail=True, methods=["post"])
    def copy(self, request, slug=None):
        program = get_object_or_404(self.get_queryset(), slug=slug)
        return self._render(library.program_copy(program=program, by=request.user), status.HTTP_201_CREATED)
