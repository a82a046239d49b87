"""The clinic's library in the portal (therapists and managers): exercises and program templates.

Thin views: every item is found through `visible_to` / `changeable_by` (exercises.access), so
another clinic's is not found (404); writes go through exercises.library. A shipped item reads
"read-only, copy to change" and offers only the copy. `exercise_picture` streams an uploaded
picture to the people who may see it, and to nobody else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import AuthenticationFailed

from accounts.permissions import role_required
from api.authentication import UserTokenAuthentication
from portal.errors import add_errors, error_message

from . import library
from .forms import ExerciseFilterForm, ExerciseForm, ProgramForm, WeekExerciseForm, WeekForm
from .images import content_type_for, too_large_message, upload_too_large
from .models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise

library_required = role_required("therapist", "manager")


def _exercise(request, pk, *, change: bool) -> Exercise:
    manager = Exercise.objects.changeable_by if change else Exercise.objects.visible_to
    return get_object_or_404(manager(request.user).prefetch_related("illustrations"), pk=pk)


def _program(request, pk, *, change: bool) -> ProgramTemplate:
    manager = ProgramTemplate.objects.changeable_by if change else ProgramTemplate.objects.visible_to
    return get_object_or_404(manager(request.user), pk=pk)


# --- Exercises ------------------------------------------------------------------------------


@library_required
def exercise_list(request):
    form = ExerciseFilterForm(request.GET or None)
    exercises = form.filter(
        Exercise.objects.visible_to(request.user).current().prefetch_related("illustrations")
    ).order_by("name", "clinic")
    return render(request, "exercises/exercise_list.html", {"form": form, "exercises": exercises})


@library_required
def exercise_detail(request, pk):
    exercise = _exercise(request, pk, change=False)
    newest = exercise
    while newest.replaced_by_id:  # an earlier version, kept for the plans that prescribed it
        newest = newest.replaced_by
    return render(request, "exercises/exercise_detail.html", {"exercise": exercise, "newest": newest})


def _exercise_form(request, **kwargs) -> ExerciseForm:
    """The exercise form, bound to what was posted; a body too large for a picture is not read."""
    if request.method == "POST" and upload_too_large(request):
        form = ExerciseForm(**kwargs)
        form.cleaned_data = {}
        form.add_error(None, too_large_message())
        return form
    return ExerciseForm(request.POST or None, request.FILES or None, **kwargs)


@library_required
def exercise_add(request):
    form = _exercise_form(request)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = {name: form.cleaned_data[name] for name in library.EXERCISE_FIELDS}
        try:
            exercise = library.exercise_create(by=request.user, data=data, image=form.cleaned_data["image"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Exercise added to your clinic's library."))
            return redirect("library:exercise_detail", pk=exercise.pk)
    return render(request, "exercises/exercise_form.html", {"form": form, "exercise": None})


@library_required
def exercise_edit(request, pk):
    exercise = _exercise(request, pk, change=True)
    if exercise.replaced_by_id:
        raise Http404
    form = _exercise_form(request, instance=exercise)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = {name: form.cleaned_data[name] for name in library.EXERCISE_FIELDS}
        try:
            changed = library.exercise_update(
                exercise=exercise,
                by=request.user,
                data=data,
                image=form.cleaned_data["image"],
                remove_image=form.cleaned_data.get("remove_image", False),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if changed.pk != exercise.pk:
                messages.success(
                    request,
                    _("Saved as a new version. Plans made before keep the version they were prescribed."),
                )
            else:
                messages.success(request, _("Exercise saved."))
            return redirect("library:exercise_detail", pk=changed.pk)
    exercise.refresh_from_db()  # the form may have set values on it; the page shows what is stored
    return render(request, "exercises/exercise_form.html", {"form": form, "exercise": exercise})


@library_required
@require_POST
def exercise_copy(request, pk):
    exercise = _exercise(request, pk, change=False)
    try:
        copy = library.exercise_copy(exercise=exercise, by=request.user)
    except ValidationError as error:  # an earlier version: only the newest is copied
        error_message(request, error)
        return redirect("library:exercise_detail", pk=exercise.pk)
    messages.success(request, _("Copied into your clinic's library. Change it as you need."))
    return redirect("library:exercise_edit", pk=copy.pk)


def _viewer(request):
    """Who asks for a picture: the logged-in person, or an API client by its token (so the
    `picture_url` the API gives works with the same credentials); None for nobody."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = UserTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


@login_not_required  # a session or an API token: checked here
def exercise_picture(request, pk):
    """An uploaded exercise picture, streamed from the default storage to the people who may see
    it (exercises.access `pictures_visible_to`); anyone else: 404 (nobody signed in: the login page)."""
    viewer = _viewer(request)
    if viewer is None:
        return redirect_to_login(request.get_full_path())
    exercise = get_object_or_404(Exercise.objects.pictures_visible_to(viewer).only("illustration"), pk=pk)
    if not exercise.illustration:
        raise Http404
    try:
        stored = default_storage.open(exercise.illustration.name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(stored, content_type=content_type_for(exercise.illustration.name))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Program templates ------------------------------------------------------------------------


@library_required
def program_list(request):
    programs = ProgramTemplate.objects.visible_to(request.user).order_by("clinic", "name")
    return render(request, "exercises/program_list.html", {"programs": programs})


@library_required
def program_add(request):
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in library.PROGRAM_FIELDS}
        try:
            program = library.program_create(by=request.user, data=data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Program made. Add its weeks and exercises."))
            return redirect("library:program_detail", pk=program.pk)
    return render(request, "exercises/program_add.html", {"form": form})


def _program_page(request, program, *, forms: dict | None = None):
    weeks = program.weeks.order_by("number").prefetch_related(
        Prefetch(
            "exercises",
            queryset=WeekExercise.objects.select_related("exercise").order_by("order", "pk"),
        )
    )
    editable = (
        not program.is_shipped
        and ProgramTemplate.objects.changeable_by(request.user).filter(pk=program.pk).exists()
    )
    forms = forms or {}
    rows = [
        {
            "week": week,
            "form": forms.get(("week", week.pk))
            or (WeekForm(instance=week, prefix=f"w{week.pk}") if editable else None),
            "add_form": forms.get(("add", week.pk))
            or (
                WeekExerciseForm(user=request.user, program=program, prefix=f"a{week.pk}")
                if editable
                else None
            ),
        }
        for week in weeks
    ]
    return render(
        request,
        "exercises/program_detail.html",
        {
            "program": program,
            "weeks": rows,
            "editable": editable,
            "details_form": forms.get("details") or (ProgramForm(instance=program) if editable else None),
            "new_week_form": forms.get("new_week") or (WeekForm(prefix="new") if editable else None),
        },
    )


@library_required
def program_detail(request, pk):
    program = _program(request, pk, change=False)
    return _program_page(request, program)


@library_required
@require_POST
def program_edit(request, pk):
    program = _program(request, pk, change=True)
    form = ProgramForm(request.POST, instance=ProgramTemplate.objects.get(pk=program.pk))
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in library.PROGRAM_FIELDS}
        try:
            library.program_update(program=program, by=request.user, data=data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Program saved. Plans made from it before keep what they copied."))
            return redirect("library:program_detail", pk=program.pk)
    return _program_page(request, program, forms={"details": form})


@library_required
@require_POST
def program_week_add(request, pk):
    program = _program(request, pk, change=True)
    form = WeekForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            library.program_week_add(program=program, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Week added."))
            return redirect("library:program_detail", pk=program.pk)
    return _program_page(request, program, forms={"new_week": form})


@library_required
@require_POST
def program_week_edit(request, pk, week_pk):
    program = _program(request, pk, change=True)
    week = get_object_or_404(ProgramWeek, template=program, pk=week_pk)
    form = WeekForm(request.POST, instance=ProgramWeek.objects.get(pk=week.pk), prefix=f"w{week.pk}")
    if form.is_valid():
        try:
            library.program_week_update(week=week, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Week %(number)s saved.") % {"number": week.number})
            return redirect("library:program_detail", pk=program.pk)
    return _program_page(request, program, forms={("week", week.pk): form})


@library_required
@require_POST
def program_week_remove(request, pk):
    program = _program(request, pk, change=True)
    try:
        library.program_week_remove_last(program=program, by=request.user)
    except ValidationError as error:
        error_message(request, error)
    else:
        messages.success(request, _("Last week removed."))
    return redirect("library:program_detail", pk=program.pk)


@library_required
@require_POST
def program_exercise_add(request, pk, week_pk):
    program = _program(request, pk, change=True)
    week = get_object_or_404(ProgramWeek, template=program, pk=week_pk)
    form = WeekExerciseForm(request.POST, user=request.user, program=program, prefix=f"a{week.pk}")
    if form.is_valid():
        doses = {k: v for k, v in form.cleaned_data.items() if k != "exercise"}
        try:
            library.program_exercise_add(
                week=week, exercise=form.cleaned_data["exercise"], by=request.user, doses=doses
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Exercise added to week %(number)s.") % {"number": week.number})
            return redirect("library:program_detail", pk=program.pk)
    return _program_page(request, program, forms={("add", week.pk): form})


@library_required
@require_POST
def program_exercise_remove(request, pk, item_pk):
    program = _program(request, pk, change=True)
    item = get_object_or_404(WeekExercise.objects.select_related("week"), week__template=program, pk=item_pk)
    library.program_exercise_remove(item=item, by=request.user)
    messages.success(request, _("Exercise removed from the program."))
    return redirect("library:program_detail", pk=program.pk)


@library_required
@require_POST
def program_copy(request, pk):
    program = _program(request, pk, change=False)
    copy = library.program_copy(program=program, by=request.user)
    messages.success(request, _("Copied into your clinic's programs. Change it as you need."))
    return redirect("library:program_detail", pk=copy.pk)
