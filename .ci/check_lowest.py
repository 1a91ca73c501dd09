"""Smoke check for an environment holding the lowest declared versions (make check-lowest): every
module imports, and every form renders its sample in each of its formats."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import tempfile


def main() -> int:
    import formsvc

    failures = []
    modules = [m.name for m in pkgutil.walk_packages(formsvc.__path__, "formsvc.")]
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # every failure is reported, not just the first
            failures.append(f"import {name}: {error!r}")

    from formsvc import create_app
    from formsvc.forms import FORMS

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{instance}/db.sqlite3",
                          "FONT_DIR": f"{instance}/fonts"})
        client = app.test_client()
        rendered = 0
        for form_id, spec in FORMS.items():
            data = client.get(f"/api/v1/forms/{form_id}/sample").get_json()
            for extension in spec.formats:
                response = client.post(f"/api/v1/forms/{form_id}/render?format={extension}", json=data)
                if response.status_code != 200:
                    failures.append(f"render {form_id} {extension}: {response.status_code} "
                                    f"{response.get_data(as_text=True)[:300]}")
                rendered += 1
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"lowest versions: {len(modules)} modules imported, {rendered} documents rendered, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
