from tests.printouts.conftest import pdf_required  # noqa: F401 (the printed program's fixture)
